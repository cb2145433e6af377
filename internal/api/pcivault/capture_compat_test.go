package pcivault_test

// Issue 15, PCI Vault points 2, 3, 4 and 7: a capture endpoint behaves as
// seeds 000 and 001 say, so a client that only changes its base URL works.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vaulttest"
)

// Seed 000: "Anybody with the URL & Secret can POST data on your behalf
// until the endpoint is deleted or expired", and ttl=0 makes it permanent.
// No lifetime count stops it by default.
func TestCaptureEndpointTakesPostsUntilDeletedOrExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t, "ttl", "0s")
	if ep.ExpiresAt != nil {
		t.Fatalf("ttl=0s expires at %s, want never (null)", *ep.ExpiresAt)
	}
	for i := range 101 {
		resp, body := e.post(t, ep.URL+q("reference", fmt.Sprintf("order-%d", i)), ep.Secret, `{"cvv":"123"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
	}
	e.Clock.Advance(11 * 365 * 24 * time.Hour)
	resp, body := e.post(t, ep.URL, ep.Secret, seedCard)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.call(t, "DELETE", ep.URL, "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.post(t, ep.URL, ep.Secret, seedCard)
	wantError(t, resp, body, http.StatusNotFound)
}

// Seed 000: "The rest of the request works exactly the same as POSTing to
// the vault directly": the query options of POST /v1/vault mean the same,
// fail with the same messages, and storing the same card and reference
// again replaces the entry as POST /v1/vault does.
func TestCapturePostIsAVaultPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t)
	vaultPath := "/v1/vault" + q("user", user, "passphrase", passphrase)

	t.Run("number in the query derives the token", func(t *testing.T) {
		resp, body := e.post(t, ep.URL+q("reference", "by-query", "number", pan), ep.Secret, `{"card_holder":"J DOE"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		got := vaulttest.Decode[stored](t, body)
		want := e.store(t, "by-vault", `{"card_number":"`+pan+`"}`)
		if got.Token != want.Token {
			t.Fatalf("capture with ?number= gave token %s, POST /v1/vault %s", got.Token, want.Token)
		}
		if out := e.reveal(t, got.Token, "by-query"); out != `{"card_holder":"J DOE"}` {
			t.Fatalf("the query number was stored: %s", out)
		}
	})
	t.Run("same options fail with the same errors", func(t *testing.T) {
		for _, opt := range [][]string{{"algorithm", "luhn"}, {"algorithm", "partial_8_end"}, {"rules", "r1"}, {"number", "4111111111111112"}} {
			resp, body := e.call(t, "POST", vaultPath+"&"+q(opt...)[1:], `{"card_holder":"J DOE"}`)
			want := wantError(t, resp, body, http.StatusBadRequest)
			resp, body = e.post(t, ep.URL+q(opt...), ep.Secret, `{"card_holder":"J DOE"}`)
			if got := wantError(t, resp, body, http.StatusBadRequest); got != want {
				t.Errorf("%s=%s: capture says %q, POST /v1/vault %q", opt[0], opt[1], got, want)
			}
		}
		resp, body := e.post(t, ep.URL+q("algorithm", "full"), ep.Secret, seedCard)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
	})
	t.Run("the same card and reference again replaces the entry", func(t *testing.T) {
		first := `{"card_number":"` + spacedPAN + `","card_expiry":"06-2025"}`
		second := `{"card_number":"` + pan + `","card_expiry":"07-2027"}`
		var tokens []string
		for _, data := range []string{first, second} {
			resp, body := e.post(t, ep.URL+q("reference", "cust-7"), ep.Secret, data)
			vaulttest.WantStatus(t, resp, body, http.StatusOK)
			tokens = append(tokens, vaulttest.Decode[stored](t, body).Token)
		}
		if tokens[0] != tokens[1] {
			t.Fatalf("tokens %v differ", tokens)
		}
		if out := e.reveal(t, tokens[0], "cust-7"); out != second {
			t.Fatalf("after the repeat the entry reads %s", out)
		}
		// Data stored with the passphrase is replaced the same way.
		s := e.store(t, "cust-8", storedCard)
		resp, body := e.post(t, ep.URL+q("reference", "cust-8"), ep.Secret, second)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if out := e.reveal(t, s.Token, "cust-8"); out != second {
			t.Fatalf("the entry reads %s", out)
		}
	})
}

// Seed 001: a locked-down endpoint merges everything "except the card
// number itself, as that is immutable". The stored number, in any
// spelling (also given as ?number=), is accepted and never rewrites the
// stored text; another number is refused.
func TestLockedDownNumberKeepsItsStoredText(t *testing.T) {
	e, s, ep := lockedEnv(t)
	for _, post := range []struct{ query, data string }{
		{"", `{"card_number":"4111-1111-1111-1111","cvv":"145"}`},
		{"", `{"number":"4111111111111111"}`},
		{"", `{"Card_Number":" 4111 1111 1111 1111 ","card_holder":"J ROE"}`},
		{q("number", pan), `{"card_expiry":"07-2027"}`},
	} {
		resp, body := e.post(t, ep.URL+post.query, ep.Secret, post.data)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if got := vaulttest.Decode[stored](t, body); got.Token != s.Token || got.Reference != "my-reference" {
			t.Fatalf("answer %+v", got)
		}
	}
	want := `{"card_number":"4111 1111 1111 1111","card_holder":"J ROE","card_expiry":"07-2027","cvv":"145"}`
	if out := e.reveal(t, s.Token, "my-reference"); out != want {
		t.Fatalf("entry reads %s\nwant       %s", out, want)
	}
	resp, body := e.post(t, ep.URL+q("number", otherPAN), ep.Secret, `{"cvv":"999"}`)
	wantError(t, resp, body, http.StatusBadRequest)
	if out := e.reveal(t, s.Token, "my-reference"); out != want {
		t.Fatalf("a refused number changed the entry: %s", out)
	}
}

// The compat page's merge limit is the code's: an entry takes 64 merges,
// the 65th is a 400 that changes nothing.
func TestLockedDownMergeLimit(t *testing.T) {
	e, s, ep := lockedEnv(t)
	for i := range 64 {
		resp, body := e.post(t, ep.URL, ep.Secret, fmt.Sprintf(`{"cvv":"%03d"}`, i))
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
	}
	before := e.reveal(t, s.Token, "my-reference")
	resp, body := e.post(t, ep.URL, ep.Secret, `{"cvv":"999"}`)
	if msg := wantError(t, resp, body, http.StatusBadRequest); !strings.Contains(msg, "64 merges") {
		t.Fatalf("65th merge: %q", msg)
	}
	if after := e.reveal(t, s.Token, "my-reference"); after != before || !strings.Contains(after, `"cvv":"063"`) {
		t.Fatalf("entry reads %s", after)
	}
	// Storing it again in full starts over.
	e.store(t, "my-reference", storedCard)
	resp, body = e.post(t, ep.URL, ep.Secret, `{"cvv":"999"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
}

// Seed 001: "It is not recommended to make an endpoint used for card
// updates have a longer TTL than 24 hours." Such an endpoint is created,
// with that warning in the answer and in the log.
func TestLockedDownLongTTLWarns(t *testing.T) {
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	s := e.store(t, "my-reference", storedCard)
	for _, c := range []struct {
		extra []string
		warn  bool
	}{
		{[]string{"ttl", "PT10M", "token", s.Token}, false},
		{[]string{"token", s.Token}, false}, // the default, 24 h
		{[]string{"ttl", "PT24H1S", "token", s.Token}, true},
		{[]string{"ttl", "P0T", "token", s.Token}, true},
		{[]string{"ttl", "0"}, false}, // not locked down
	} {
		before := strings.Count(e.Log.String(), "longer than 24 hours")
		resp, body := e.call(t, "POST", "/v1/capture"+q(append([]string{"user", user, "passphrase", passphrase}, c.extra...)...), "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		got := vaulttest.Decode[struct {
			Warning string `json:"warning"`
		}](t, body)
		logged := strings.Count(e.Log.String(), "longer than 24 hours") > before
		if (got.Warning != "") != c.warn || logged != c.warn ||
			(c.warn && !strings.Contains(got.Warning, "not recommended")) {
			t.Errorf("%v: warning %q, logged %v", c.extra, got.Warning, logged)
		}
	}
}

// Seed 000: the id "will remain reserved until the endpoint has been
// deleted or cleaned". An expired endpoint not yet cleaned answers posts
// with 404, but its owner can still delete it (200), which frees the id.
func TestDeleteExpiredEndpointBeforeCleaning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t, "unique_id", "expired-one", "ttl", "PT10M")
	e.Clock.Advance(11 * time.Minute)
	resp, body := e.post(t, ep.URL, ep.Secret, seedCard)
	wantError(t, resp, body, http.StatusNotFound)
	resp, body = e.call(t, "DELETE", ep.URL, "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.call(t, "DELETE", ep.URL, "")
	wantError(t, resp, body, http.StatusNotFound)
	e.createEndpoint(t, "unique_id", "expired-one")
}
