package vaulttest

import (
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
)

// Relay returns a forward relay allowing exactly rules (ParseAllowlist's
// syntax, e.g. a loopback httptest server's URL), closed with the test.
func Relay(tb testing.TB, rules string) *forward.Relay {
	tb.Helper()
	allow, err := forward.ParseAllowlist(rules)
	if err != nil {
		tb.Fatal(err)
	}
	r := forward.NewRelay(allow, forward.Options{})
	tb.Cleanup(r.Close)
	return r
}
