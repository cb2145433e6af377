package forward_test

import (
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
)

func TestParseAllowlistCanonicalForm(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"api.stripe.com", "https://api.stripe.com:443"},
		{"API.Stripe.COM.", "https://api.stripe.com:443"},
		{"api.stripe.com:8443", "https://api.stripe.com:8443"},
		{"https://api.stripe.com/", "https://api.stripe.com:443"},
		{"*.adyen.com", "https://*.adyen.com:443"},
		{"http://127.0.0.1:9000", "http://127.0.0.1:9000"},
		{"http://127.0.0.1", "http://127.0.0.1:80"},
		{"[::1]:8443", "https://[::1]:8443"},
		{"::1", "https://[::1]:443"},
		{"HTTP://[::ffff:10.0.0.1]:81", "http://10.0.0.1:81"},
		{" a.example.com , ,b.example.com:1 ", "https://a.example.com:443,https://b.example.com:1"},
		{"", ""},
	}
	for _, tt := range tests {
		a, err := forward.ParseAllowlist(tt.spec)
		if err != nil {
			t.Errorf("ParseAllowlist(%q): %v", tt.spec, err)
			continue
		}
		if got := a.String(); got != tt.want {
			t.Errorf("ParseAllowlist(%q) = %q, want %q", tt.spec, got, tt.want)
		}
		again, err := forward.ParseAllowlist(a.String())
		if err != nil || again.String() != a.String() {
			t.Errorf("canonical form %q does not round-trip: %v", a.String(), err)
		}
	}
}

func TestParseAllowlistRejects(t *testing.T) {
	for _, spec := range []string{
		"ftp://host", "host:0", "host:65536", "host:08", "host:x", "host/path", "https://host/v1",
		"user@host", "host?x", "*.com", "*", "**.example.com", "a.*.example.com", "exa mple.com",
		"-bad.example.com", "127.1", "0x7f.1", "10.0.0.256", "[::1", "::1:443:", "fe80::1%eth0",
		"xn--ü.example", strings.Repeat("a", 64) + ".com", "http://",
	} {
		if a, err := forward.ParseAllowlist(spec); err == nil {
			t.Errorf("ParseAllowlist(%q) = %q, want an error", spec, a.String())
		}
	}
	_, err := forward.ParseAllowlist("ftp://a, good.example.com, b/c")
	if err == nil || !strings.Contains(err.Error(), "ftp://a") || !strings.Contains(err.Error(), "b/c") {
		t.Errorf("error %v does not name every bad rule", err)
	}
}
