package vault_test

import (
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

func TestParseFormOrigin(t *testing.T) {
	good := map[string]string{
		"https://shop.example":          "https://shop.example",
		"https://Shop.Example/":         "https://shop.example",
		"https://shop.example:443":      "https://shop.example",
		"http://shop.example:80":        "http://shop.example",
		"http://localhost:8081":         "http://localhost:8081",
		"http://127.0.0.1:9000":         "http://127.0.0.1:9000",
		"https://[::1]:8443":            "https://[::1]:8443",
		"https://xn--bcher-kva.example": "https://xn--bcher-kva.example",
	}
	for in, want := range good {
		got, err := vault.ParseFormOrigin(in)
		if err != nil || got != want {
			t.Errorf("ParseFormOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "shop.example", "ftp://shop.example", "https://*.shop.example", "https://shop.example/path",
		"https://shop.example?q", "https://shop.example#x", "https://user@shop.example", "https://shop.example:0",
		"https://shop.example:99999", "https://shop.example:", "https://shop example", "https://shop.example;x",
		"https://bücher.example", "https://-a.example", "https://[fe80::1%25eth0]", "javascript:alert(1)", "'self'",
		"https://a.example https://b.example", "https://shop.example:08080",
	} {
		if got, err := vault.ParseFormOrigin(in); err == nil {
			t.Errorf("ParseFormOrigin(%q) accepted as %q", in, got)
		}
	}
}

// FuzzParseFormOrigin checks that whatever ParseFormOrigin accepts is a
// fixed point and holds nothing that could end a CSP source list.
func FuzzParseFormOrigin(f *testing.F) {
	for _, s := range []string{"https://shop.example", "http://localhost:8081", "https://[::1]:1", "https://a;b", "https://a b", "https://a,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := vault.ParseFormOrigin(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(got, " ;,'\"\t\r\n*") || !(strings.HasPrefix(got, "https://") || strings.HasPrefix(got, "http://")) {
			t.Fatalf("ParseFormOrigin(%q) = %q", s, got)
		}
		again, err := vault.ParseFormOrigin(got)
		if err != nil || again != got {
			t.Fatalf("not a fixed point: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}

// A deleted form's id is never reused: a link handed out for it must not
// start serving another configuration (and its callbacks).
