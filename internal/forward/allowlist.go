package forward

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Allowlist is the set of destinations the relay may call, from the
// operator's CARDVAULT_FORWARD_ALLOW. It is immutable. The zero or nil
// Allowlist allows nothing.
//
// A rule is [scheme://]host[:port]:
//
//   - scheme is https (the default) or http; a rule allows only its scheme,
//     so plain HTTP needs a rule that says http://.
//   - host is a DNS name (exact, case-insensitive, trailing dot ignored), a
//     wildcard "*.example.com" (any name ending in ".example.com", at any
//     depth, but not example.com itself), an IPv4 address or an IPv6 address
//     in brackets ("[::1]"; bare is accepted without a port).
//   - port defaults to the scheme's (443 or 80); a rule allows one port.
//
// An IP rule also "names" its address: only an IP rule lets the relay dial
// a loopback, private, link-local or otherwise special address, and only
// with that rule's scheme and port, whichever host name led there.
type Allowlist struct {
	rules []rule
}

// rule is one parsed allow rule.
type rule struct {
	scheme string // "https" or "http"
	// host is a lower-case DNS name without trailing dot; for a wildcard it
	// is the suffix including the leading dot (".example.com").
	host     string
	wildcard bool
	ip       netip.Addr // valid for IP rules
	port     uint16
}

// ParseAllowlist parses a comma-separated list of rules (see Allowlist).
// Whitespace around rules is ignored and empty rules are skipped, so ""
// gives an empty list. It reports every bad rule at once.
func ParseAllowlist(spec string) (*Allowlist, error) {
	a := &Allowlist{}
	var errs []error
	for raw := range strings.SplitSeq(spec, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		r, err := parseRule(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("forward allow rule %q: %w", raw, err))
			continue
		}
		a.rules = append(a.rules, r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

func parseRule(s string) (rule, error) {
	r := rule{scheme: "https"}
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		r.scheme = strings.ToLower(scheme)
		if r.scheme != "https" && r.scheme != "http" {
			return rule{}, errors.New("scheme must be https:// or http://")
		}
		s = strings.TrimSuffix(rest, "/")
	}
	if strings.ContainsAny(s, "/?#@ \t") {
		return rule{}, errors.New("a rule is [scheme://]host[:port]: no path, query, user or spaces")
	}
	host, port := s, ""
	if ip, err := netip.ParseAddr(s); err == nil && ip.Is6() {
		host = s // bare IPv6 without a port
	} else if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(s, "[") || strings.Count(s, ":") > 0 {
		return rule{}, errors.New("malformed host:port")
	}
	r.port = defaultPort(r.scheme)
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 || port[0] == '0' {
			return rule{}, errors.New("port must be 1 to 65535")
		}
		r.port = uint16(n)
	}
	if strings.HasPrefix(host, "[") {
		return rule{}, errors.New("malformed IPv6 address")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return rule{}, errors.New("IPv6 zones are not allowed")
		}
		r.ip = ip.Unmap()
		return r, nil
	}
	if suffix, ok := strings.CutPrefix(host, "*."); ok {
		if err := checkHostname(suffix); err != nil {
			return rule{}, err
		}
		if !strings.Contains(strings.TrimSuffix(suffix, "."), ".") {
			return rule{}, errors.New("a wildcard needs at least two labels after *. (like *.example.com)")
		}
		r.wildcard = true
		r.host = "." + normalHost(suffix)
		return r, nil
	}
	if err := checkHostname(host); err != nil {
		return rule{}, err
	}
	r.host = normalHost(host)
	return r, nil
}

func defaultPort(scheme string) uint16 {
	if scheme == "http" {
		return 80
	}
	return 443
}

// normalHost lower-cases h and drops one trailing dot.
func normalHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// checkHostname accepts an ASCII DNS name of letters, digits, '-' and '.',
// at most 253 bytes, labels of 1 to 63 bytes, whose last label is not
// numeric (so "127.1" or "0x7f.1" cannot pose as names).
func checkHostname(h string) error {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return errors.New("host name must be 1 to 253 characters")
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return errors.New("host name labels must be 1 to 63 characters")
		}
		for i := range len(l) {
			c := l[i]
			if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return errors.New("host name must be ASCII letters, digits, '-' and '.'")
			}
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return errors.New("host name labels must not start or end with '-'")
		}
	}
	last := strings.ToLower(labels[len(labels)-1])
	if isNumericLabel(last) {
		return errors.New("not a valid IP address, and a host name cannot end in a numeric label")
	}
	return nil
}

// isNumericLabel reports whether l reads as a number in some IPv4 notation
// (decimal, octal or 0x hex), as the last label of a name never should.
func isNumericLabel(l string) bool {
	if hex, ok := strings.CutPrefix(l, "0x"); ok {
		l = hex
		if l == "" {
			return true
		}
		for i := range len(l) {
			c := l[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
		return true
	}
	for i := range len(l) {
		if l[i] < '0' || l[i] > '9' {
			return false
		}
	}
	return true
}

// Len returns the number of rules.
func (a *Allowlist) Len() int {
	if a == nil {
		return 0
	}
	return len(a.rules)
}

// String returns the rules in canonical form (scheme, host, port always
// written), comma-separated; ParseAllowlist accepts it.
func (a *Allowlist) String() string {
	if a == nil {
		return ""
	}
	parts := make([]string, len(a.rules))
	for i, r := range a.rules {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

func (r rule) String() string {
	host := r.host
	switch {
	case r.ip.IsValid():
		host = r.ip.String()
		if r.ip.Is6() {
			host = "[" + host + "]"
		}
	case r.wildcard:
		host = "*" + r.host
	}
	return r.scheme + "://" + host + ":" + strconv.Itoa(int(r.port))
}

// allows reports whether a rule matches the destination: scheme, port and
// host (a normalised DNS name, or ip when the URL's host is an address).
func (a *Allowlist) allows(scheme, host string, ip netip.Addr, port uint16) bool {
	if a == nil {
		return false
	}
	for _, r := range a.rules {
		if r.scheme != scheme || r.port != port {
			continue
		}
		switch {
		case r.ip.IsValid():
			if ip.IsValid() && r.ip == ip {
				return true
			}
		case ip.IsValid():
		case r.wildcard:
			if strings.HasSuffix(host, r.host) && len(host) > len(r.host) {
				return true
			}
		case r.host == host:
			return true
		}
	}
	return false
}

// names reports whether an IP rule names addr with this scheme and port,
// which lets the relay dial addr even if it is a special address.
func (a *Allowlist) names(scheme string, addr netip.Addr, port uint16) bool {
	if a == nil {
		return false
	}
	for _, r := range a.rules {
		if r.ip.IsValid() && r.ip == addr && r.scheme == scheme && r.port == port {
			return true
		}
	}
	return false
}
