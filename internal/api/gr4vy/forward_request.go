package gr4vy

import (
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The Vault Forward request headers (canonical form).
const (
	hdrPrefix          = "X-Vault-Forward-"
	hdrURL             = "X-Vault-Forward-Url"
	hdrMethod          = "X-Vault-Forward-Http-Method"
	hdrPaymentMethods  = "X-Vault-Forward-Payment-Methods"
	hdrTimeout         = "X-Vault-Forward-Timeout"
	hdrHeaderPrefix    = "X-Vault-Forward-Header-"
	hdrCheckoutSession = "X-Vault-Forward-Checkout-Session"
	hdrAuthentications = "X-Vault-Forward-Authentications"
	hdrDryRun          = "X-Vault-Forward-Dry-Run"
)

// The Vault Forward response headers.
const (
	hdrStatusCode = "X-Vault-Forward-Http-Status-Code"
	hdrError      = "X-Vault-Forward-Error"
)

// maxPaymentMethods is how many ids one forward may name (the spec's limit).
const maxPaymentMethods = 100

// maxTimeoutSeconds bounds the timeout header before it becomes a
// duration; the relay then cuts it to its own maximum.
const maxTimeoutSeconds = 3600

// renderingHeaders are the forwarded headers (canonical NAME of
// x-vault-forward-header-NAME) that decide how the body is rendered: each
// may be given once at most, so the body is escaped for exactly what the
// provider receives.
var renderingHeaders = []string{"Content-Type"}

// forwardMethods are the methods Gr4vy forwards with.
var forwardMethods = map[string]bool{http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true}

// forwardSpec is what the x-vault-forward-* headers ask for.
type forwardSpec struct {
	URL    string
	Host   string
	Method string
	// IDs are the payment method ids in header order (canonical UUIDs).
	IDs []string
	// Timeout is 0 when the header is absent (the relay's default).
	Timeout time.Duration
	// Header are the provider's headers (x-vault-forward-header-NAME → NAME).
	Header http.Header
	DryRun bool
	// Session is the checkout session's id, or "".
	Session string
}

// parseForwardHeaders reads and checks every x-vault-forward-* header of a
// request, before any card is read. Messages name the header and the rule,
// never its value.
func parseForwardHeaders(h http.Header) (forwardSpec, error) {
	spec := forwardSpec{Header: http.Header{}}
	for name, vs := range h {
		name = textproto.CanonicalMIMEHeaderKey(name)
		if !strings.HasPrefix(name, hdrPrefix) {
			continue
		}
		if own, ok := strings.CutPrefix(name, hdrHeaderPrefix); ok {
			if own == "" || strings.HasPrefix(own, hdrPrefix) {
				return spec, invalid(inHeader, strings.ToLower(name), "x-vault-forward-header-{NAME} needs a NAME that is not itself an x-vault-forward- header")
			}
			spec.Header[own] = append(spec.Header[own], vs...)
			continue
		}
		switch name {
		case hdrURL, hdrMethod, hdrPaymentMethods, hdrTimeout, hdrDryRun, hdrCheckoutSession:
		case hdrAuthentications:
			return spec, invalid(inHeader, "x-vault-forward-authentications", "no vault forward authentications are configured in this vault; pass credentials as x-vault-forward-header-{NAME}")
		default:
			return spec, invalid(inHeader, strings.ToLower(name), "unknown x-vault-forward- header (to pass a header on, name it x-vault-forward-header-{NAME})")
		}
	}
	for _, own := range renderingHeaders {
		if len(spec.Header[own]) > 1 {
			name := strings.ToLower(hdrHeaderPrefix + own)
			return spec, invalid(inHeader, name, "%s must be given once: the body is escaped for the one content type the provider receives", name)
		}
	}
	var err error
	if spec.URL, spec.Host, err = parseForwardURL(h.Values(hdrURL)); err != nil {
		return spec, err
	}
	if spec.Method, err = parseForwardMethod(h.Values(hdrMethod)); err != nil {
		return spec, err
	}
	if spec.Session, err = parseSessionHeader(h.Values(hdrCheckoutSession)); err != nil {
		return spec, err
	}
	if len(h.Values(hdrPaymentMethods)) > 0 || spec.Session == "" {
		if spec.IDs, err = parsePaymentMethodIDs(h.Values(hdrPaymentMethods)); err != nil {
			return spec, err
		}
	}
	if spec.Timeout, err = parseForwardTimeout(h.Values(hdrTimeout)); err != nil {
		return spec, err
	}
	if spec.DryRun, err = parseDryRun(h.Values(hdrDryRun)); err != nil {
		return spec, err
	}
	return spec, nil
}

// single returns the one value of a header, or "" when it is absent. More
// than one value is an error.
func single(vs []string, name string) (string, error) {
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return strings.TrimSpace(vs[0]), nil
	}
	return "", invalid(inHeader, name, "%s must be given once", name)
}

// parseForwardURL checks that the destination is an absolute http(s) URL
// with a host and no user info. The relay checks it against the allowlist.
func parseForwardURL(vs []string) (string, string, error) {
	const name = "x-vault-forward-url"
	s, err := single(vs, name)
	if err != nil {
		return "", "", err
	}
	if s == "" {
		return "", "", invalid(inHeader, name, "x-vault-forward-url is required")
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", "", invalid(inHeader, name, "x-vault-forward-url is not a valid URL")
	case !strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(u.Scheme, "http"):
		return "", "", invalid(inHeader, name, "x-vault-forward-url must be an https URL")
	case u.Host == "" || u.Opaque != "":
		return "", "", invalid(inHeader, name, "x-vault-forward-url must be absolute, like https://host/path")
	case u.User != nil:
		return "", "", invalid(inHeader, name, "x-vault-forward-url must not carry user info; pass credentials as x-vault-forward-header-{NAME}")
	}
	return s, strings.ToLower(u.Host), nil
}

// parseForwardMethod accepts POST, PUT and PATCH, in any letter case.
func parseForwardMethod(vs []string) (string, error) {
	const name = "x-vault-forward-http-method"
	s, err := single(vs, name)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", invalid(inHeader, name, "x-vault-forward-http-method is required (POST, PUT or PATCH)")
	}
	m := strings.ToUpper(s)
	if !forwardMethods[m] {
		return "", invalid(inHeader, name, "x-vault-forward-http-method must be POST, PUT or PATCH")
	}
	return m, nil
}

// parsePaymentMethodIDs reads the comma-separated ids (over one or more
// header lines): 1 to 100 UUIDs without duplicates, in order.
func parsePaymentMethodIDs(vs []string) ([]string, error) {
	const name = "x-vault-forward-payment-methods"
	var ids []string
	seen := map[string]bool{}
	for _, v := range vs {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				return nil, invalid(inHeader, name, "x-vault-forward-payment-methods has an empty entry")
			}
			if len(ids) == maxPaymentMethods {
				return nil, invalid(inHeader, name, "x-vault-forward-payment-methods names more than %d payment methods", maxPaymentMethods)
			}
			id, err := uuid.Parse(part)
			if err != nil || len(part) != 36 {
				return nil, invalid(inHeader, name, "x-vault-forward-payment-methods entry %d is not a payment method id (a UUID)", len(ids)+1)
			}
			canon := id.String()
			if seen[canon] {
				return nil, invalid(inHeader, name, "x-vault-forward-payment-methods entry %d repeats an earlier id", len(ids)+1)
			}
			seen[canon] = true
			ids = append(ids, canon)
		}
	}
	if len(ids) == 0 {
		return nil, invalid(inHeader, name, "x-vault-forward-payment-methods or x-vault-forward-checkout-session is required")
	}
	return ids, nil
}

// parseForwardTimeout reads whole seconds, at least 1; absent means the
// relay's default (30 s).
func parseForwardTimeout(vs []string) (time.Duration, error) {
	const name = "x-vault-forward-timeout"
	s, err := single(vs, name)
	if err != nil || s == "" {
		return 0, err
	}
	if strings.Trim(s, "0123456789") != "" {
		return 0, invalid(inHeader, name, "x-vault-forward-timeout must be a whole number of seconds, at least 1")
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		n = maxTimeoutSeconds // too large for an int: capped below like any large value
	}
	if n < 1 {
		return 0, invalid(inHeader, name, "x-vault-forward-timeout must be a whole number of seconds, at least 1")
	}
	return time.Duration(min(n, maxTimeoutSeconds)) * time.Second, nil
}

// parseDryRun reads x-vault-forward-dry-run: true or false.
func parseDryRun(vs []string) (bool, error) {
	const name = "x-vault-forward-dry-run"
	s, err := single(vs, name)
	switch {
	case err != nil:
		return false, err
	case s == "" || strings.EqualFold(s, "false"):
		return false, nil
	case strings.EqualFold(s, "true"):
		return true, nil
	}
	return false, invalid(inHeader, name, "x-vault-forward-dry-run must be true or false")
}

// parseSessionHeader reads x-vault-forward-checkout-session: one UUID, or
// "" when absent.
func parseSessionHeader(vs []string) (string, error) {
	const name = "x-vault-forward-checkout-session"
	s, err := single(vs, name)
	if err != nil || s == "" {
		return "", err
	}
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return "", invalid(inHeader, name, "x-vault-forward-checkout-session must be a checkout session id (a UUID)")
	}
	return id.String(), nil
}
