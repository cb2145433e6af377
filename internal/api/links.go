package api

import (
	"net"
	"net/http"
	"strings"
)

// Links builds the absolute URLs a facade hands out (pagination links, a
// session's base_url, a hosted form's link) so that a forged Host header
// can never point them elsewhere: they come from the operator's public URL
// (CARDVAULT_PUBLIC_URL); without one, from the Host header only when the
// operator opted in (CARDVAULT_TRUST_HOST_HEADER), else from the address
// the request arrived on.
type Links struct {
	// Public is the scheme and host clients reach the vault at, or "".
	Public string
	// TrustHost lets Base use the request's Host header when Public is "".
	TrustHost bool
}

// Links returns the link builder of d's public URL settings.
func (d Deps) Links() Links {
	return Links{Public: strings.TrimSuffix(d.PublicURL, "/"), TrustHost: d.TrustHostHeader}
}

// Base returns the scheme and host links start with, without a trailing slash.
func (l Links) Base(r *http.Request) string {
	if l.Public != "" {
		return l.Public
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if l.TrustHost && r.Host != "" {
		return scheme + "://" + r.Host
	}
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return scheme + "://" + addr.String()
	}
	return scheme + "://localhost"
}

// Host returns Base without its scheme (host[:port]), for links written
// without one, as PCI Vault writes a form's link.
func (l Links) Host(r *http.Request) string {
	b := l.Base(r)
	if _, rest, ok := strings.Cut(b, "://"); ok {
		return rest
	}
	return b
}
