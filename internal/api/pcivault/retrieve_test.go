package pcivault_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

type retrieval struct {
	URL       string `json:"url"`
	UniqueID  string `json:"unique_id"`
	Secret    string `json:"secret"`
	ExpiresAt string `json:"expires_at"`
	Token     string `json:"token"`
	Reference string `json:"reference"`
}

// createRetrieve makes a retrieve endpoint for token and reference.
func (e *env) createRetrieve(t *testing.T, token, reference string, extra ...string) retrieval {
	t.Helper()
	resp, body := e.call(t, "POST", "/v1/retrieve"+q(append([]string{"user", user, "passphrase", passphrase, "token", token, "reference", reference}, extra...)...), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	return vaulttest.Decode[retrieval](t, body)
}

// read reads a retrieve endpoint as a third party: the secret header only.
func (e *env) read(t *testing.T, path, secret string) (*http.Response, []byte) {
	t.Helper()
	return e.Do(t, "GET", path, "", pcivault.RetrieveSecretHeader, secret, "Origin", "https://partner.example")
}

// A retrieve endpoint is a capture endpoint in reverse: the account makes
// one for a stored card (passphrase, cards:reveal); a third party with only
// its URL and secret reads the data once; every read after that, a wrong
// secret, an expired or a deleted endpoint, or deleted data answers
// nothing. Creation and read are audited.
func TestRetrieveEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	s := e.store(t, "cust-1", storedCard)

	rv := e.createRetrieve(t, s.Token, "cust-1", "ttl", "PT10M")
	if !strings.HasPrefix(rv.URL, "/v1/retrieve/") || rv.Secret == "" || rv.Token != s.Token || rv.Reference != "cust-1" {
		t.Fatalf("created %+v", rv)
	}
	if exp, err := time.Parse(time.RFC3339, rv.ExpiresAt); err != nil || exp.Sub(e.Clock.Now()) > 10*time.Minute {
		t.Fatalf("expires_at %q", rv.ExpiresAt)
	}
	resp, body := e.read(t, rv.URL, "wrong-secret")
	wantError(t, resp, body, http.StatusUnauthorized)
	resp, body = e.Do(t, "GET", rv.URL, "", "Authorization", e.basic)
	wantError(t, resp, body, http.StatusUnauthorized)

	resp, body = e.read(t, rv.URL, rv.Secret)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	if string(body) != storedCard || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("read %s with headers %v", body, resp.Header)
	}
	resp, body = e.read(t, rv.URL, rv.Secret)
	wantError(t, resp, body, http.StatusNotFound)

	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range entries {
		if strings.HasPrefix(en.Action, "pcivault.retrieve") {
			actions = append(actions, en.Action+" by "+strings.SplitN(en.Actor, ":", 2)[0]+" of "+strings.Join(en.Targets, ","))
		}
	}
	want := []string{"pcivault.retrieve.create by " + strings.SplitN(entries[0].Actor, ":", 2)[0] + " of " + user + "," + s.Token + ",cust-1," + rv.UniqueID,
		"pcivault.retrieve.read by retrieve of " + user + "," + s.Token + ",cust-1"}
	if strings.Join(actions, "|") != strings.Join(want, "|") {
		t.Errorf("audited %q, want %q", actions, want)
	}

	t.Run("one read wins a race", func(t *testing.T) {
		rv := e.createRetrieve(t, s.Token, "cust-1")
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Go(func() {
				resp, _ := e.read(t, rv.URL, rv.Secret)
				statuses[i] = resp.StatusCode
			})
		}
		wg.Wait()
		ok := 0
		for _, st := range statuses {
			if st == http.StatusOK {
				ok++
			} else if st != http.StatusNotFound {
				t.Errorf("status %d", st)
			}
		}
		if ok != 1 {
			t.Errorf("%d reads got the data, want 1", ok)
		}
	})
	t.Run("expired, deleted endpoint, deleted data", func(t *testing.T) {
		expired := e.createRetrieve(t, s.Token, "cust-1", "ttl", "1m")
		revoked := e.createRetrieve(t, s.Token, "cust-1")
		resp, body := e.call(t, "DELETE", revoked.URL, "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		gone := e.createRetrieve(t, s.Token, "cust-1")
		resp, body = e.call(t, "DELETE", "/v1/vault"+q("token", s.Token, "reference", "cust-1"), "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		e.Clock.Advance(2 * time.Minute)
		for _, rv := range []retrieval{expired, revoked, gone} {
			resp, body := e.read(t, rv.URL, rv.Secret)
			wantError(t, resp, body, http.StatusNotFound)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		s := e.store(t, "cust-2", storedCard)
		for name, c := range map[string]struct {
			query  string
			status int
		}{
			"no token":           {q("user", user, "passphrase", passphrase), http.StatusBadRequest},
			"wrong passphrase":   {q("user", user, "passphrase", "WrongPassphraseOfGoodLength", "token", s.Token), http.StatusUnauthorized},
			"unknown reference":  {q("user", user, "passphrase", passphrase, "token", s.Token, "reference", "nope"), http.StatusNotFound},
			"never expires":      {q("user", user, "passphrase", passphrase, "token", s.Token, "reference", "cust-2", "ttl", "0"), http.StatusBadRequest},
			"longer than a day":  {q("user", user, "passphrase", passphrase, "token", s.Token, "reference", "cust-2", "ttl", "P2D"), http.StatusBadRequest},
			"card-like id":       {q("user", user, "passphrase", passphrase, "token", s.Token, "reference", "cust-2", "unique_id", pan), http.StatusBadRequest},
			"key without reveal": {"", http.StatusForbidden},
		} {
			t.Run(name, func(t *testing.T) {
				if c.query == "" {
					key := vaulttest.BasicAuth(e.Key(t, vault.ScopeCardsRead, vault.ScopeCardsWrite))
					resp, body := e.Do(t, "POST", "/v1/retrieve"+q("user", user, "passphrase", passphrase, "token", s.Token, "reference", "cust-2"), "", "Authorization", key)
					wantError(t, resp, body, c.status)
					return
				}
				resp, body := e.call(t, "POST", "/v1/retrieve"+c.query, "")
				wantError(t, resp, body, c.status)
			})
		}
	})
	e.AssertLogClean(t, pan, "4111 1111 1111 1111", rv.Secret, passphrase)
}

// GET /v1/whoami names the caller in PCI Vault's four fields; GET
// /v1/passphrase suggests a fresh passphrase that POST /v1/key accepts.
func TestWhoamiAndPassphrase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, body := e.call(t, "GET", "/v1/whoami", "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	who := vaulttest.Decode[map[string]any](t, body)
	for _, f := range []string{"user", "api_version", "backwards_compatibility", "environment"} {
		if s, _ := who[f].(string); s == "" {
			t.Errorf("whoami has no %s: %s", f, body)
		}
	}
	resp, body = e.Do(t, "GET", "/v1/whoami", "")
	wantError(t, resp, body, http.StatusUnauthorized)

	seen := map[string]bool{}
	for range 2 {
		resp, body := e.call(t, "GET", "/v1/passphrase", "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		p := vaulttest.Decode[map[string]string](t, body)["passphrase"]
		if len(p) < 32 || seen[p] {
			t.Fatalf("passphrase %q", p)
		}
		seen[p] = true
		e.createKey(t, "user-"+p[:8], p)
	}
}
