package forward

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// destination is a checked forward target.
type destination struct {
	scheme string
	// host is the URL's host as written (for dialling and messages).
	host string
	// name is the normalised DNS name, "" for an IP host.
	name string
	ip   netip.Addr
	port uint16
}

// check validates req without network access and returns the outbound
// request. Every failure is a *RefusedError.
func (r *Relay) check(req Request) (*Outbound, destination, error) {
	dest, err := parseDestination(req.URL)
	if err != nil {
		return nil, dest, err
	}
	if !r.allow.allows(dest.scheme, dest.name, dest.ip, dest.port) {
		if r.allow.Len() == 0 {
			return nil, dest, refused(dest.host, "no forward destinations are configured")
		}
		return nil, dest, refused(dest.host, "no allow rule matches %s on port %d", dest.scheme, dest.port)
	}
	method := req.Method
	if method == "" {
		method = http.MethodPost
	}
	if !validHeaderName(method) || method == http.MethodConnect || method == http.MethodTrace {
		return nil, dest, refused(dest.host, "method not allowed")
	}
	if int64(len(req.Body)) > r.opts.MaxRequestBody {
		return nil, dest, refused(dest.host, "request body is larger than %d bytes", r.opts.MaxRequestBody)
	}
	h, bad := outboundHeader(req.Header, req.Own)
	if bad != "" {
		return nil, dest, refused(dest.host, "header %q is malformed", bad)
	}
	for _, s := range req.Secrets {
		if len(s) < 8 {
			continue
		}
		if strings.Contains(req.URL, s) {
			return nil, dest, refused(dest.host, "the URL carries a vault credential")
		}
		for name, vs := range h {
			for _, v := range vs {
				if strings.Contains(v, s) {
					return nil, dest, refused(dest.host, "header %q carries a vault credential", name)
				}
			}
		}
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = r.opts.DefaultTimeout
	}
	timeout = min(timeout, r.opts.MaxTimeout)
	return &Outbound{Method: method, URL: req.URL, Header: h, Body: req.Body, Timeout: timeout}, dest, nil
}

// parseDestination checks that raw is an absolute http or https URL with a
// valid host and port and no user info.
func parseDestination(raw string) (destination, error) {
	var d destination
	u, err := url.Parse(raw)
	if err != nil {
		return d, refused("", "destination URL is malformed")
	}
	d.host = u.Hostname()
	d.scheme = strings.ToLower(u.Scheme)
	switch {
	case d.scheme != "https" && d.scheme != "http":
		return d, refused(d.host, "destination URL must be https (or http where a rule allows it)")
	case u.Opaque != "" || u.Host == "":
		return d, refused(d.host, "destination URL must be absolute, like https://host/path")
	case u.User != nil:
		return d, refused(d.host, "destination URL must not carry user info")
	case !validHeaderValue(raw) || strings.ContainsAny(raw, " \\"):
		return d, refused(d.host, "destination URL is malformed")
	}
	d.port = defaultPort(d.scheme)
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return d, refused(d.host, "destination port must be 1 to 65535")
		}
		d.port = uint16(n)
	} else if strings.HasSuffix(u.Host, ":") {
		return d, refused(d.host, "destination port is empty")
	}
	if ip, err := netip.ParseAddr(d.host); err == nil {
		if ip.Zone() != "" {
			return d, refused(d.host, "IPv6 zones are not allowed")
		}
		d.ip = ip.Unmap()
		return d, nil
	}
	if err := checkHostname(d.host); err != nil {
		return d, refused(d.host, "destination host is not a valid name or IP address")
	}
	d.name = normalHost(d.host)
	return d, nil
}
