package guardian

import (
	"net/http"
	"slices"
	"strings"
)

// guardianHeaders are the request headers Guardian uses itself: its two
// credential headers, the forward's control headers and the idempotency
// key. They are never passed on (x-own-header-name can set one of these
// names on the forward).
var guardianHeaders = []string{"X-Api-Key", "X-Admin-Token", destinationHeader, ownNameHeader, ownValueHeader,
	idempotencyHeader, cryptogramHeader}

// proxyHeaders are set by the proxy in front of the vault, not by the
// caller, and describe the vault's own network: never passed on.
var proxyHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
	"X-Forwarded-Port", "X-Forwarded-Prefix", "X-Real-Ip"}

// providerCredentialHeaders are the credential header names the relay
// drops unless a facade marks them as the provider's own; outboundHeaders
// does so for those that did not carry the caller's vault key.
var providerCredentialHeaders = []string{"Authorization", "Api-Key"}

// outboundHeaders splits a forward request's headers into what the relay
// passes on and what it must pass on as the provider's own. As Guardian
// does, every header goes on except those the vault uses internally:
// Guardian's own (guardianHeaders), the header that carried the caller's
// vault key (Api-Key or Authorization when neither x-api-key nor
// x-admin-token did), the proxy's (proxyHeaders), and the hop-by-hop and
// framing headers the relay drops itself. Authorization and Api-Key that
// did not authenticate the caller are the provider's credentials and go
// on. own (x-own-header-name/-value) replaces any header of its name; the
// relay still refuses a forward carrying the caller's vault key anywhere.
func outboundHeaders(in, own http.Header) (header, provider http.Header) {
	// One pass over in, keys compared as they are (as Header.Del compares
	// a canonical name); the value slices are shared with in, which the
	// relay copies (forward.Request.Header) and nothing else writes.
	used := credentialHeader(in)
	header, provider = make(http.Header, len(in)), make(http.Header, len(own)+1)
	for name, vs := range in {
		switch {
		case name == used || slices.Contains(guardianHeaders, name) || slices.Contains(proxyHeaders, name):
			continue
		case len(vs) > 0 && slices.Contains(providerCredentialHeaders, name):
			provider[name] = vs
			continue
		}
		if _, replaced := own[name]; !replaced {
			header[name] = vs
		}
	}
	for name, vs := range own {
		provider[name] = vs
	}
	return header, provider
}

// credentialHeader names the header the request's vault key came from, in
// the order credential reads them.
func credentialHeader(h http.Header) string {
	for _, name := range []string{"X-Api-Key", "X-Admin-Token", "Api-Key"} {
		if h.Get(name) != "" {
			return name
		}
	}
	return "Authorization"
}

// providerDropped are the provider response headers a forward's answer
// never carries. The answer is served from the vault's own origin, so a
// header with meaning to a browser or an intermediary would act on the
// vault: cookies, CORS, transport and content security policy, reporting,
// authentication challenges, connection steering, caching, framing. The
// hop-by-hop ones the relay has already removed.
var providerDropped = map[string]bool{
	// Cookies.
	"Set-Cookie": true, "Set-Cookie2": true,
	// Browser security policy.
	"Strict-Transport-Security": true, "Public-Key-Pins": true, "Public-Key-Pins-Report-Only": true,
	"Expect-Ct": true, "X-Frame-Options": true, "X-Content-Type-Options": true, "X-Xss-Protection": true,
	"X-Permitted-Cross-Domain-Policies": true, "X-Dns-Prefetch-Control": true, "X-Download-Options": true,
	"Referrer-Policy": true, "Permissions-Policy": true, "Feature-Policy": true, "Document-Policy": true,
	"Clear-Site-Data": true, "Origin-Agent-Cluster": true, "Timing-Allow-Origin": true,
	"Service-Worker-Allowed": true, "Sourcemap": true, "X-Sourcemap": true,
	// Reporting endpoints.
	"Report-To": true, "Reporting-Endpoints": true, "Nel": true,
	// Authentication challenges (the caller authenticates to the vault).
	"Www-Authenticate": true, "Authentication-Info": true,
	// Connection and navigation steering.
	"Alt-Svc": true, "Link": true, "Refresh": true, "Upgrade": true,
	// Caching: the vault answers with no-store.
	"Cache-Control": true, "Expires": true, "Pragma": true, "Age": true, "Vary": true,
	// Framing: the vault's server frames the body it writes.
	"Content-Length": true, "Transfer-Encoding": true, "Trailer": true,
}

// providerDroppedPrefixes are header name prefixes dropped the same way.
var providerDroppedPrefixes = []string{
	"Access-Control-", "Content-Security-Policy", "Cross-Origin-", "Proxy-", "Sec-",
}

// passProviderHeader reports whether a provider's response header (by
// canonical name) may be copied onto the forward's answer.
func passProviderHeader(name string) bool {
	if providerDropped[name] {
		return false
	}
	for _, p := range providerDroppedPrefixes {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	return true
}

// writeProviderHeader sets the forward's answer headers: the provider's
// own (Content-Type, request ids, Retry-After, Location, …) less the
// dropped ones, never replacing a header the vault has already set (its
// request id); then the vault's no-store and nosniff.
func writeProviderHeader(dst, provider http.Header) {
	for name, vs := range provider {
		name = http.CanonicalHeaderKey(name)
		if _, own := dst[name]; own || !passProviderHeader(name) {
			continue
		}
		dst[name] = append([]string(nil), vs...)
	}
	dst.Set("Cache-Control", "no-store")
	dst.Set("X-Content-Type-Options", "nosniff")
}
