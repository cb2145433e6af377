package forward_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
)

// TestDefaultDestinations: every built-in destination is an exact DNS
// name allowed over https on 443 only, when defaults are on; with them
// off only the operator's rules hold; the SSRF guard still refuses a
// default host that resolves to a private address.
func TestDefaultDestinations(t *testing.T) {
	if len(forward.DefaultDestinations) < 10 {
		t.Fatalf("only %d default destinations", len(forward.DefaultDestinations))
	}
	resolveTo := func(addr string) func(context.Context, string) ([]netip.Addr, error) {
		return func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr(addr)}, nil
		}
	}
	on, err := forward.Destinations("psp.example", true)
	if err != nil {
		t.Fatal(err)
	}
	off, err := forward.Destinations("psp.example", false)
	if err != nil {
		t.Fatal(err)
	}
	public := forward.NewRelay(on, forward.Options{Resolver: resolveTo("8.8.8.8")})
	private := forward.NewRelay(on, forward.Options{Resolver: resolveTo("10.0.0.7")})
	none := forward.NewRelay(off, forward.Options{Resolver: resolveTo("8.8.8.8")})
	ctx := context.Background()
	prepare := func(r *forward.Relay, url string) error {
		_, err := r.Prepare(ctx, forward.Request{URL: url, Body: []byte(`{}`)})
		return err
	}
	seen := map[string]bool{}
	for _, host := range forward.DefaultDestinations {
		if seen[host] || strings.ContainsAny(host, "*:/") || host != strings.ToLower(host) {
			t.Errorf("default %q: not an exact, unique, lower-case host name", host)
		}
		seen[host] = true
		if err := prepare(public, "https://"+host+"/v1/x"); err != nil {
			t.Errorf("https://%s with defaults on: %v", host, err)
		}
		var re *forward.RefusedError
		for _, url := range []string{"http://" + host + "/v1/x", "https://" + host + ":8443/v1/x", "https://sub." + host + "/"} {
			if err := prepare(public, url); !errors.As(err, &re) {
				t.Errorf("%s allowed by the defaults: %v", url, err)
			}
		}
		if err := prepare(none, "https://"+host+"/"); !errors.As(err, &re) {
			t.Errorf("%s allowed with defaults off: %v", host, err)
		}
		if err := prepare(private, "https://"+host+"/"); !errors.As(err, &re) {
			t.Errorf("%s resolving to 10.0.0.7 passed the SSRF guard: %v", host, err)
		}
	}
	// The operator's own rules hold either way.
	for _, r := range []*forward.Relay{public, none} {
		if err := prepare(r, "https://psp.example/"); err != nil {
			t.Errorf("operator rule: %v", err)
		}
	}
	if _, err := forward.Destinations("bad rule", true); err == nil {
		t.Error("a bad operator rule passed with defaults on")
	}
}

// TestRulesNameTheirSource: the console's view of the allowlist lists the
// built-in rules with their providers, then the operator's, canonical.
func TestRulesNameTheirSource(t *testing.T) {
	got, err := forward.Rules("http://127.0.0.1:9000, *.adyen.com", true)
	if err != nil {
		t.Fatal(err)
	}
	n := len(forward.DefaultProviders)
	if len(got) != n+2 || got[0] != (forward.Rule{Rule: "https://api.stripe.com:443", Provider: "Stripe"}) ||
		got[n] != (forward.Rule{Rule: "http://127.0.0.1:9000"}) || got[n+1] != (forward.Rule{Rule: "https://*.adyen.com:443"}) {
		t.Errorf("rules %v", got)
	}
	if off, _ := forward.Rules("api.psp.example", false); len(off) != 1 || off[0].Provider != "" {
		t.Errorf("without defaults: %v", off)
	}
	if _, err := forward.Rules("ftp://x", true); err == nil {
		t.Error("a bad rule was accepted")
	}
}
