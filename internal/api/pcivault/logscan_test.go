package pcivault_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// A whole session, including failures, leaves no card number, security
// code, passphrase or capture secret in the log, the audit log or (in the
// clear) the store.
func TestNothingSensitiveLeaks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	s := e.store(t, "ref", `{"card_number":"`+spacedPAN+`","cvv":"8642","card_holder":"Zebedee Quux"}`)
	ep := e.createEndpoint(t, "token", s.Token, "reference", "ref")
	free := e.createEndpoint(t)
	resp, body := e.post(t, ep.URL, ep.Secret, `{"cvv":"9753"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.post(t, free.URL, free.Secret, `{"card_number":"`+otherPAN+`","cvv":"1357"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	e.reveal(t, s.Token, "ref")
	// Failures that carry secrets in the request.
	e.call(t, "GET", "/v1/vault"+q("user", user, "passphrase", "WrongButLongPassphrase1", "token", s.Token), "")
	e.call(t, "POST", "/v1/vault"+q("user", user, "passphrase", passphrase, "number", "4111111111111112"), `{"a":1}`)
	e.call(t, "POST", "/v1/vault"+q("user", user, "passphrase", passphrase), `{"card_number":"4111111111111112"}`)
	e.post(t, ep.URL, ep.Secret, `{"card_number":"`+otherPAN+`"}`)
	e.post(t, "/v1/capture/"+pan, ep.Secret, `{}`)
	e.call(t, "POST", "/v1/capture"+q("user", user, "passphrase", passphrase, "ttl", pan), "")
	e.call(t, "POST", "/v1/capture"+q("user", user, "passphrase", passphrase, "unique_id", pan), "")

	secrets := []string{pan, spacedPAN, otherPAN, "4111111111111112", "8642", "9753", "1357", "Zebedee",
		passphrase, "WrongButLongPassphrase1", ep.Secret, free.Secret}
	e.AssertLogClean(t, secrets...)
	if !strings.Contains(e.Log.String(), `"route":"POST /v1/capture/{id}"`) {
		t.Fatal("the log holds no capture requests; the scan proves nothing")
	}

	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{})
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit: %v", err)
	}
	audit, _ := json.Marshal(entries)
	for _, kind := range []string{vault.KindUserKey, vault.KindEntry, vault.KindCaptureEndpoint} {
		recs, err := e.Store.ListRecords(context.Background(), recordQuery(kind), e.Clock.Now())
		if err != nil || len(recs) == 0 {
			t.Fatalf("records of %s: %d %v", kind, len(recs), err)
		}
		for _, r := range recs {
			audit = append(audit, r.Data...)
		}
	}
	for _, s := range secrets {
		if vaulttest.ContainsSecret(string(audit), s) {
			t.Errorf("audit log or store holds %q", s)
		}
	}
}
