package pcivault_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/vault"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestCreateKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("JSON body, as PCI Vault documents", func(t *testing.T) {
		resp, body := e.call(t, "POST", "/v1/key", `{"user":"body-user","passphrase":"`+passphrase+`"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		got := vaulttest.Decode[map[string]any](t, body)
		if got["user"] != "body-user" || got["passphrase"] != nil {
			t.Fatalf("create answered %s (a passphrase the caller chose is not echoed)", body)
		}
	})
	t.Run("query string", func(t *testing.T) {
		resp, body := e.call(t, "POST", "/v1/key"+q("user", "query-user", "passphrase", passphrase), "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
	})
	t.Run("generated passphrase is returned once and works", func(t *testing.T) {
		resp, body := e.call(t, "POST", "/v1/key", `{"user":"gen-user"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		gen, _ := vaulttest.Decode[map[string]any](t, body)["passphrase"].(string)
		if len(gen) < pv.MinPassphrase {
			t.Fatalf("generated passphrase %q", gen)
		}
		resp, body = e.call(t, "POST", "/v1/vault"+q("user", "gen-user", "passphrase", gen), `{"card_number":"`+pan+`"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		resp, body = e.call(t, "GET", "/v1/key", "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if strings.Contains(string(body), gen) {
			t.Fatalf("the key list shows the passphrase")
		}
	})
	for name, c := range map[string]struct {
		body   string
		status int
	}{
		"short passphrase":    {`{"user":"short","passphrase":"tooShort123"}`, http.StatusBadRequest},
		"no user":             {`{"passphrase":"` + passphrase + `"}`, http.StatusBadRequest},
		"user with a newline": {`{"user":"a\nb","passphrase":"` + passphrase + `"}`, http.StatusBadRequest},
		"existing user":       {`{"user":"body-user","passphrase":"` + passphrase + `"}`, http.StatusConflict},
		"body not an object":  {`["body-user"]`, http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := e.call(t, "POST", "/v1/key", c.body)
			msg := wantError(t, resp, body, c.status)
			if strings.Contains(msg, "tooShort123") {
				t.Fatalf("error quotes the passphrase: %s", msg)
			}
		})
	}
}

func TestListKeysPaginated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, u := range []string{"alice", "bob", "carol"} {
		e.createKey(t, u, passphrase)
	}
	seen := map[string]bool{}
	path := "/v1/key?limit=2"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
		resp, body := e.call(t, "GET", path, "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		for _, k := range vaulttest.Decode[[]map[string]any](t, body) {
			if len(k) != 2 || k["created_at"] == nil {
				t.Fatalf("key entry %v shows more than its name and creation time", k)
			}
			seen[k["user"].(string)] = true
		}
		path = ""
		if next := resp.Header.Get(pcivault.NextTokenHeader); next != "" {
			path = "/v1/key" + q("limit", "2", "next_token", next)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("pages listed %v", seen)
	}
	t.Run("other tenants see none", func(t *testing.T) {
		resp, body := e.Do(t, "GET", "/v1/key", "", "Authorization", vaulttest.BasicAuth(e.TenantKey(t, "other")))
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if string(body) != "[]\n" {
			t.Fatalf("other tenant lists %s", body)
		}
	})
}

func TestChangePassphrase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	s := e.store(t, "ref", `{"card_number":"`+pan+`"}`)
	const newPass = "ABrandNewPassphraseForTheKey"

	resp, body := e.call(t, "PUT", "/v1/key", `{"user":"`+user+`","old_passphrase":"wrong-but-long-enough","new_passphrase":"`+newPass+`"}`)
	wantError(t, resp, body, http.StatusUnauthorized)
	resp, body = e.call(t, "PUT", "/v1/key", `{"user":"`+user+`","passphrase":"`+passphrase+`","new_passphrase":"short"}`)
	wantError(t, resp, body, http.StatusBadRequest)
	resp, body = e.call(t, "PUT", "/v1/key", `{"user":"`+user+`","passphrase":"`+passphrase+`"}`)
	wantError(t, resp, body, http.StatusBadRequest)

	resp, body = e.call(t, "PUT", "/v1/key"+q("user", user, "passphrase", passphrase, "new_passphrase", newPass), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.call(t, "GET", "/v1/vault"+q("user", user, "passphrase", passphrase, "token", s.Token), "")
	wantError(t, resp, body, http.StatusUnauthorized)
	resp, body = e.call(t, "GET", "/v1/vault"+q("user", user, "passphrase", newPass, "token", s.Token), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	if string(body) != `{"card_number":"`+pan+`"}` {
		t.Fatalf("data after the change: %s", body)
	}
}

func TestDeleteKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	e.store(t, "ref", `{"card_number":"`+pan+`"}`)
	ep := e.createEndpoint(t)

	resp, body := e.call(t, "DELETE", "/v1/key"+q("user", user), "")
	wantError(t, resp, body, http.StatusConflict)
	resp, body = e.call(t, "DELETE", "/v1/key"+q("user", user, "safe", "true"), "")
	wantError(t, resp, body, http.StatusConflict)
	if e.entries(t) != 1 || e.endpoints(t) != 1 {
		t.Fatal("a refused delete removed something")
	}
	resp, body = e.call(t, "DELETE", "/v1/key"+q("user", user, "safe", "maybe"), "")
	wantError(t, resp, body, http.StatusBadRequest)

	resp, body = e.call(t, "DELETE", "/v1/key"+q("user", user, "safe", "false"), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	if e.entries(t) != 0 || e.endpoints(t) != 0 {
		t.Fatal("data or endpoints outlived their key")
	}
	resp, body = e.post(t, ep.URL, ep.Secret, seedCard)
	wantError(t, resp, body, http.StatusNotFound)
	resp, body = e.call(t, "DELETE", "/v1/key"+q("user", user), "")
	wantError(t, resp, body, http.StatusNotFound)

	t.Run("a key without data goes with safe on", func(t *testing.T) {
		e.createKey(t, "empty", passphrase)
		resp, body := e.call(t, "DELETE", "/v1/key"+q("user", "empty"), "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
	})
}

func TestAccountAuthAndScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	s := e.store(t, "ref", `{"card_number":"`+pan+`"}`)
	reader := vaulttest.BasicAuth(e.Key(t, vault.ScopeCardsRead))
	writer := vaulttest.BasicAuth(e.Key(t, vault.ScopeCardsWrite))

	resp, body := e.Do(t, "GET", "/v1/key", "")
	wantError(t, resp, body, http.StatusUnauthorized)
	if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("no Basic challenge: %v", resp.Header)
	}
	resp, body = e.Do(t, "GET", "/v1/key", "", "Authorization", vaulttest.BasicAuth("not-a-key"))
	wantError(t, resp, body, http.StatusUnauthorized)

	for _, c := range []struct {
		name, auth, method, path, body string
		status                         int
	}{
		{"reader lists the vault", reader, "GET", "/v1/vault", "", http.StatusOK},
		{"reader lists keys", reader, "GET", "/v1/key", "", http.StatusOK},
		{"reader cannot reveal", reader, "GET", "/v1/vault" + q("user", user, "passphrase", passphrase, "token", s.Token), "", http.StatusForbidden},
		{"writer cannot reveal", writer, "GET", "/v1/vault" + q("user", user, "passphrase", passphrase, "token", s.Token), "", http.StatusForbidden},
		{"reader cannot store", reader, "POST", "/v1/vault" + q("user", user, "passphrase", passphrase), `{"a":1}`, http.StatusForbidden},
		{"reader cannot create keys", reader, "POST", "/v1/key", `{"user":"x"}`, http.StatusForbidden},
		{"reader cannot create endpoints", reader, "POST", "/v1/capture" + q("user", user, "passphrase", passphrase), "", http.StatusForbidden},
		{"writer stores", writer, "POST", "/v1/vault" + q("user", user, "passphrase", passphrase), `{"a":1}`, http.StatusOK},
		{"writer creates endpoints", writer, "POST", "/v1/capture" + q("user", user, "passphrase", passphrase), "", http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.Do(t, c.method, c.path, c.body, "Authorization", c.auth)
			if resp.StatusCode != c.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, body, c.status)
			}
			if c.status >= 400 && strings.Contains(string(body), pan) {
				t.Fatalf("a refusal returned card data: %s", body)
			}
		})
	}
}
