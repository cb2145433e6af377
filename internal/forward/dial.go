package forward

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// dialer resolves a destination, checks every address it resolved to, and
// dials only checked addresses, so what was checked is what is dialled: a
// second DNS answer can never slip in between.
type dialer struct {
	scheme  string
	allow   *Allowlist
	resolve func(ctx context.Context, host string) ([]netip.Addr, error)
}

// dialError marks a failure to connect (as opposed to TLS or HTTP).
type dialError struct{ err error }

func (e *dialError) Error() string { return "dial: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// DialContext is the transport's dialer. addr is the URL's host:port,
// which the relay has already matched against the allow rules.
func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &dialError{err}
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, &dialError{err}
	}
	addrs, err := d.addrs(ctx, host, uint16(port))
	if err != nil {
		return nil, err
	}
	nd := net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	var last error
	for _, a := range addrs {
		c, err := nd.DialContext(ctx, "tcp", netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, &dialError{last}
}

// addrs resolves host (an IP literal resolves to itself) and checks each
// address. It refuses the whole destination if any address is special and
// no rule names it, so a name cannot mix public and private answers.
func (d *dialer) addrs(ctx context.Context, host string, port uint16) ([]netip.Addr, error) {
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		addrs, err = d.resolve(ctx, host)
		if err != nil {
			return nil, &dialError{err}
		}
		if len(addrs) == 0 {
			return nil, &dialError{&net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}}
		}
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		if class := SpecialClass(a); class != "" && !d.allow.names(d.scheme, a.Unmap(), port) {
			return nil, refused(host, "destination resolves to a %s address; only an allow rule naming that address, scheme and port permits it", class)
		}
		out = append(out, a.Unmap())
	}
	return out, nil
}
