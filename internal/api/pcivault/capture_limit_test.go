package pcivault_test

import (
	"net/http"
	"testing"

	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// An endpoint takes at most MaxCaptures captures in its lifetime, whether
// it stores new entries or merges into a locked one; then it answers 429 in
// PCI Vault's shape and writes nothing, so one secret can neither probe
// tokens of guessed numbers nor write entries without bound.
func TestCaptureLifetimeLimit(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, pv.Options{MaxCaptures: 2})
	e.createKey(t, user, passphrase)
	t.Run("not locked down", func(t *testing.T) {
		ep := e.createEndpoint(t)
		for i, number := range []string{pan, otherPAN} {
			resp, body := e.post(t, ep.URL+q("reference", string(rune('a'+i))), ep.Secret, `{"card_number":"`+number+`"}`)
			vaulttest.WantStatus(t, resp, body, http.StatusOK)
		}
		resp, body := e.post(t, ep.URL+q("reference", "c"), ep.Secret, `{"card_number":"4012888888881881"}`)
		wantError(t, resp, body, http.StatusTooManyRequests)
		if n := e.entries(t); n != 2 {
			t.Fatalf("%d entries after the limit, want 2", n)
		}
		fresh := e.createEndpoint(t)
		resp, body = e.post(t, fresh.URL, fresh.Secret, `{"card_number":"4012888888881881"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
	})
	t.Run("locked down", func(t *testing.T) {
		s := e.store(t, "locked", storedCard)
		ep := e.createEndpoint(t, "token", s.Token, "reference", "locked")
		for _, cvv := range []string{"111", "222"} {
			resp, body := e.post(t, ep.URL, ep.Secret, `{"cvv":"`+cvv+`"}`)
			vaulttest.WantStatus(t, resp, body, http.StatusOK)
		}
		before := e.reveal(t, s.Token, "locked")
		for _, data := range []string{`{"cvv":"333"}`, `{"card_number":"` + otherPAN + `"}`} {
			resp, body := e.post(t, ep.URL, ep.Secret, data)
			wantError(t, resp, body, http.StatusTooManyRequests)
		}
		if after := e.reveal(t, s.Token, "locked"); after != before {
			t.Fatalf("a capture over the limit changed the data: %s", after)
		}
	})
}
