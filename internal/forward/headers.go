package forward

import (
	"net/http"
	"net/textproto"
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

// canonical returns a copy of h whose keys are canonical header names,
// merging the values of keys that differ only in letter case (in map
// order). Every rule below matches canonical names, so a header must pass
// through here before any of them is applied: a lowercase "connection"
// key would otherwise slip past them all.
func canonical(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for name, vs := range h {
		name = textproto.CanonicalMIMEHeaderKey(name)
		out[name] = append(out[name], vs...)
	}
	return out
}

// stripHopByHop deletes the hop-by-hop headers from h, whose keys must be
// canonical (see canonical), including those a Connection header names.
func stripHopByHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopByHop {
		h.Del(name)
	}
	for name := range h {
		if strings.HasPrefix(name, "Proxy-") {
			delete(h, name)
		}
	}
}

// outboundHeader builds the header the relay sends: from, less hop-by-hop,
// vault control and credential headers; then own, less hop-by-hop and vault
// control headers, replacing any header of the same name. It returns the
// name of the first header that is malformed, "" if none.
func outboundHeader(from, own http.Header) (http.Header, string) {
	out := make(http.Header, len(from)+len(own))
	pass := canonical(from)
	stripHopByHop(pass)
	for name, vs := range pass {
		if isVaultHeader(name) || isCredential(name) {
			continue
		}
		out[name] = append(out[name], vs...)
	}
	mine := canonical(own)
	stripHopByHop(mine)
	for name, vs := range mine {
		if isVaultHeader(name) {
			continue
		}
		out[name] = vs
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
// headers, for the facade to relay.
func inboundHeader(h http.Header) http.Header {
	out := canonical(h)
	stripHopByHop(out)
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
