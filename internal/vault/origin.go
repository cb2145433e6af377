package vault

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// MaxFormOrigins bounds the origins allowed to frame a hosted form or a
// session's form.
const MaxFormOrigins = 10

// ParseFormOrigin checks that s is one web origin, scheme://host[:port] with
// scheme http or https and nothing after the authority but an optional
// "/", and returns it the way a browser serialises it: lower case, default
// port dropped. Host names must be ASCII (punycode) letters, digits,
// hyphens and dots, or an IP literal; wildcards are refused, because the
// form also posts messages to these origins and postMessage matches exactly.
// The result is safe to place in a Content-Security-Policy header.
func ParseFormOrigin(s string) (string, error) {
	bad := func(why string) (string, error) {
		return "", Invalid("allowed_origins", "an allowed origin %s", why)
	}
	if s == "" || len(s) > 255 {
		return bad("must be 1 to 255 characters")
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("is not a URL")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return bad("must start with https:// or http://")
	case u.Opaque != "" || u.User != nil:
		return bad("must be scheme://host[:port]")
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.ForceQuery, u.Fragment != "", strings.Contains(s, "#"):
		return bad("must have no path, query or fragment")
	}
	host := strings.ToLower(u.Hostname())
	if !formHostOK(host) {
		return bad("has no valid host name")
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 || p[0] == '0' {
			return bad("has an invalid port")
		}
		if !(scheme == "http" && n == 80) && !(scheme == "https" && n == 443) {
			host += ":" + p
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return bad("has an invalid port")
	}
	return scheme + "://" + host, nil
}

// formHostOK accepts an IP literal or a DNS name of ASCII labels.
func formHostOK(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if strings.Contains(h, ":") {
		a, err := netip.ParseAddr(h)
		return err == nil && a.Is6() && a.Zone() == ""
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := range len(label) {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
