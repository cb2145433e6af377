package console

import (
	"net/http/httptest"
	"testing"
)

func TestSameOrigin(t *testing.T) {
	for _, c := range []struct {
		name, origin, site, public string
		want                       bool
	}{
		{"no browser headers", "", "", "", true},
		{"same host", "http://vault.internal:8080", "same-origin", "", true},
		{"same host over a TLS proxy", "https://vault.internal:8080", "", "", true},
		{"other host", "https://evil.example", "", "", false},
		{"cross-site fetch metadata", "", "cross-site", "", false},
		{"same-site is not same-origin", "", "same-site", "", false},
		{"opaque origin", "null", "", "", false},
		{"the public URL", "https://vault.example.com", "", "https://vault.example.com/", true},
		{"not the public URL", "https://vault.example.com.evil", "", "https://vault.example.com", false},
	} {
		r := httptest.NewRequest("POST", "http://vault.internal:8080/console/keys", nil)
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		if c.site != "" {
			r.Header.Set("Sec-Fetch-Site", c.site)
		}
		if got := sameOrigin(r, c.public); got != c.want {
			t.Errorf("%s: sameOrigin = %v, want %v", c.name, got, c.want)
		}
	}
}
