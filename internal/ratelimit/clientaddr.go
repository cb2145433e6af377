package ratelimit

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr finds the client address a request is limited by.
//
// It is the connection's remote address, unless that address is a trusted
// proxy: then X-Forwarded-For is read from the right, skipping trusted
// proxies, and the first address that is not one is the client. A client
// cannot choose its key by sending X-Forwarded-For itself, since only what
// trusted proxies appended is believed.
type ClientAddr struct {
	// Trusted are the operator's reverse proxies; nil means none, so
	// X-Forwarded-For is never read.
	Trusted []netip.Prefix
}

// ParsePrefixes reads a comma-separated list of addresses and CIDR
// prefixes ("10.0.0.0/8, 192.0.2.7, 2001:db8::/32"), as
// CARDVAULT_TRUSTED_PROXIES holds them. An empty string gives none.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an address or CIDR prefix", part)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Of returns r's client address, or the zero Addr when the remote address
// cannot be read (tests with a made-up RemoteAddr).
func (c ClientAddr) Of(r *http.Request) netip.Addr {
	remote := parseHostAddr(r.RemoteAddr)
	if !c.trusted(remote) {
		return remote
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a := parseHostAddr(strings.TrimSpace(hops[i]))
		if !a.IsValid() {
			return remote // a malformed hop: believe nothing further left
		}
		if !c.trusted(a) {
			return a
		}
		remote = a
	}
	return remote
}

func (c ClientAddr) trusted(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range c.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHostAddr reads "host:port", "[v6]:port" or a bare address.
func parseHostAddr(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// AddrKey returns the bucket key for a client address: an IPv4 address
// itself, an IPv6 address's /64 (one subscriber's usual allocation, so
// cycling through its addresses gains nothing). The zero Addr gives "".
func AddrKey(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
