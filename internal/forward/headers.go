package forward

import (
	"net/http"
	"net/textproto"
	"slices"
	"strings"
)

// hopByHop are the headers that describe one connection, not the message
// (RFC 9110 section 7.6.1, plus the legacy Proxy-Connection). They are
// never relayed in either direction, nor is any Proxy-* header or a header
// that a Connection header names.
var hopByHop = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// relaySet are the request headers the relay sets itself (Host,
// Content-Length) or never lets a caller set (Expect).
var relaySet = []string{"Host", "Content-Length", "Expect"}

// credentialHeaders are the headers that carry a caller's vault credential
// (see server.Credential) or a proxy's. They are never relayed unless the
// facade marks them as the provider's own (Request.Own).
var credentialHeaders = []string{"Authorization", "X-Api-Key", "Api-Key", "X-Admin-Token"}

// isVaultHeader reports whether a canonical header name is one of the
// vault's own control headers, which are never relayed.
func isVaultHeader(name string) bool {
	return strings.HasPrefix(name, "X-Vault-Forward-") || isOneOf(name, relaySet)
}

// connectionNamed returns the canonical names that the Connection headers
// of h (under any letter case of the key) list as hop-by-hop, nil when
// there are none.
func connectionNamed(h http.Header) []string {
	var names []string
	for key, vs := range h {
		if textproto.CanonicalMIMEHeaderKey(key) != "Connection" {
			continue
		}
		for _, v := range vs {
			for name := range strings.SplitSeq(v, ",") {
				if name = strings.TrimSpace(name); name != "" {
					names = append(names, textproto.CanonicalMIMEHeaderKey(name))
				}
			}
		}
	}
	return names
}

// isHopByHop reports whether a canonical header name describes one
// connection: a hop-by-hop header, a Proxy-* header, or one that a
// Connection header names (named, from connectionNamed).
func isHopByHop(canonical string, named []string) bool {
	return isOneOf(canonical, hopByHop) || strings.HasPrefix(canonical, "Proxy-") || isOneOf(canonical, named)
}

// outboundHeader builds the header the relay sends: from, less hop-by-hop,
// vault control and credential headers; then own, less hop-by-hop and vault
// control headers, replacing any header of the same name. Keys are
// canonicalised first, and the values of keys that differ only in letter
// case are merged, so a lowercase "connection" key cannot slip past a rule.
// The result shares no slice with from or own. It returns the name of the
// first header that is malformed, "" if none.
func outboundHeader(from, own http.Header) (http.Header, string) {
	out := make(http.Header, len(from)+len(own))
	named := connectionNamed(from)
	for key, vs := range from {
		name := textproto.CanonicalMIMEHeaderKey(key)
		if isHopByHop(name, named) || isVaultHeader(name) || isCredential(name) {
			continue
		}
		out[name] = append(out[name], vs...)
	}
	named = connectionNamed(own)
	kept := func(name string) bool { return !isHopByHop(name, named) && !isVaultHeader(name) }
	for key := range own {
		if name := textproto.CanonicalMIMEHeaderKey(key); kept(name) {
			delete(out, name) // own replaces a passed-on header of the same name
		}
	}
	for key, vs := range own {
		if name := textproto.CanonicalMIMEHeaderKey(key); kept(name) {
			out[name] = append(out[name], vs...)
		}
	}
	for name, vs := range out {
		if !validHeaderName(name) {
			return nil, name
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return nil, name
			}
		}
	}
	return out, ""
}

func isCredential(canonical string) bool { return isOneOf(canonical, credentialHeaders) }

func isOneOf(s string, list []string) bool {
	for _, c := range list {
		if c == s {
			return true
		}
	}
	return false
}

// inboundHeader returns the upstream response's header less hop-by-hop
// headers (canonical keys, values of keys that differ only in letter case
// merged), for the facade to relay. It may share value slices with h,
// which the relay does not use again.
func inboundHeader(h http.Header) http.Header {
	named := connectionNamed(h)
	out := make(http.Header, len(h))
	for key, vs := range h {
		name := textproto.CanonicalMIMEHeaderKey(key)
		if isHopByHop(name, named) {
			continue
		}
		if prev, ok := out[name]; ok {
			out[name] = slices.Concat(prev, vs)
		} else {
			out[name] = vs
		}
	}
	return out
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := range len(name) {
		c := name[i]
		if c >= 0x7f || c <= ' ' || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v has no control characters other than
// horizontal tab (so no CR or LF can split a header).
func validHeaderValue(v string) bool {
	for i := range len(v) {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
