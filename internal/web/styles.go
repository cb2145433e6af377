package web

import (
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Limits on a form's own styles.
const (
	// MaxStyleLinks bounds how many style sheets a form links.
	MaxStyleLinks = 5
	// MaxStyleLinkLen bounds each link, in bytes.
	MaxStyleLinkLen = 2048
	// MaxStyle bounds a form's embedded style sheet, in bytes.
	MaxStyle = 64 << 10
)

// CheckStyleLink checks a style sheet link a form may load: an absolute
// https URL without user info, at most MaxStyleLinkLen bytes, that a
// Content-Security-Policy source can name. It returns the link's origin,
// which the page's style-src admits.
func CheckStyleLink(link string) (origin string, err error) {
	if len(link) > MaxStyleLinkLen || strings.ContainsAny(link, " \t\r\n\"'<>;,\\") {
		return "", errors.New("must be an https URL of at most 2048 bytes without spaces, quotes, '<', '>', ';', ',' or '\\'")
	}
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Opaque != "" {
		return "", errors.New("must be an absolute https URL without user info")
	}
	origin = "https://" + strings.ToLower(u.Host)
	if !originRE.MatchString(origin) {
		return "", errors.New("must name a plain host name or address")
	}
	return origin, nil
}

// CheckStyle checks a form's embedded style sheet: UTF-8 text of at most
// MaxStyle bytes with no '<', so it can never end its <style> element or
// open markup; CSS needs no '<'.
func CheckStyle(css string) error {
	switch {
	case len(css) > MaxStyle:
		return errors.New("must be at most 64 KiB")
	case !utf8.ValidString(css) || strings.ContainsRune(css, 0):
		return errors.New("must be UTF-8 text without NUL")
	case strings.ContainsRune(css, '<'):
		return errors.New("must not contain '<' (it could end the style element)")
	}
	return nil
}

// styleOrigins checks links and returns their distinct origins.
func styleOrigins(links []string) ([]string, error) {
	if len(links) > MaxStyleLinks {
		return nil, errors.New("web: too many style links")
	}
	var out []string
	for _, l := range links {
		o, err := CheckStyleLink(l)
		if err != nil {
			return nil, errors.New("web: style link " + err.Error())
		}
		if !strings.Contains(strings.Join(out, " ")+" ", o+" ") {
			out = append(out, o)
		}
	}
	return out, nil
}
