package native_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api/native"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

const (
	pan      = "4111111111111111"
	amexPAN  = "378282246310005"
	cardBody = `{"number":"4111 1111 1111 1111","expiry":"12/2039","holder":"Ada Lovelace","security_code":"123","reference":"cust-1","metadata":{"plan":"gold"}}`
)

func newEnv(t *testing.T) *vaulttest.Env {
	return vaulttest.New(t, vaulttest.Options{MaxBody: 4096, Facades: func(d vaulttest.Deps) []server.Facade {
		return []server.Facade{native.New(d)}
	}})
}

type errBody struct {
	Error struct {
		Code      string
		Message   string
		RequestID string `json:"request_id"`
	} `json:"error"`
}

func TestCardLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	writer := e.Key(t, vault.ScopeCardsWrite)
	reader := e.Key(t, vault.ScopeCardsRead)
	revealer := e.Key(t, vault.ScopeCardsReveal)

	resp, body := e.Do(t, "POST", "/cardvault/v1/cards", cardBody, "X-Api-Key", writer)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	created := vaulttest.Decode[map[string]any](t, body)
	id := created["id"].(string)
	if created["masked_number"] != "411111******1111" || created["scheme"] != "visa" || created["security_code_held"] != true {
		t.Errorf("create answered %s", body)
	}
	if strings.Contains(string(body), pan) || strings.Contains(string(body), `"123"`) {
		t.Errorf("create response leaks card data: %s", body)
	}

	resp, body = e.Do(t, "GET", "/cardvault/v1/cards/"+id, "", "Authorization", "Bearer "+reader)
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), pan) || !strings.Contains(string(body), `"holder":"Ada Lovelace"`) {
		t.Fatalf("get masked: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "fingerprint") {
		t.Fatalf("a key without cards:reveal sees the fingerprint: %s", body)
	}

	resp, body = e.Do(t, "GET", "/cardvault/v1/cards/"+id+"/reveal", "", "Authorization", "Bearer "+reader)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("reveal with cards:read only: %d %s, want 403", resp.StatusCode, body)
	}
	resp, body = e.Do(t, "GET", "/cardvault/v1/cards/"+id+"/reveal", "", "Api-Key", revealer)
	if resp.StatusCode != http.StatusOK || vaulttest.Decode[map[string]any](t, body)["number"] != pan {
		t.Fatalf("reveal: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), `"123"`) || strings.Contains(string(body), "security_code\"") {
		t.Errorf("reveal returned the security code: %s", body)
	}
	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{})
	if err != nil || len(entries) != 1 || entries[0].Action != "card.reveal" || entries[0].Targets[0] != id {
		t.Fatalf("audit after one reveal: %+v %v", entries, err)
	}

	resp, body = e.Do(t, "PATCH", "/cardvault/v1/cards/"+id, `{"number":"5555555555554444"}`, "X-Api-Key", writer)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("changing the number: %d %s, want 400", resp.StatusCode, body)
	}
	resp, body = e.Do(t, "PATCH", "/cardvault/v1/cards/"+id, `{"holder":"Grace Hopper","expiry":"01/2040"}`, "X-Api-Key", writer)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"holder":"Grace Hopper"`) || !strings.Contains(string(body), `"exp_year":2040`) {
		t.Fatalf("update: %d %s", resp.StatusCode, body)
	}

	resp, _ = e.Do(t, "DELETE", "/cardvault/v1/cards/"+id, "", "X-Api-Key", writer)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	resp, _ = e.Do(t, "GET", "/cardvault/v1/cards/"+id, "", "X-Api-Key", reader)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("get after delete: %d, want 404", resp.StatusCode)
	}
	e.AssertLogClean(t, pan, "4111 1111 1111 1111")
}

func TestCredentialStyles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := e.Key(t, vault.ScopeCardsRead)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("anyone:"+key))
	for name, h := range map[string][]string{
		"x-api-key":          {"X-Api-Key", key},
		"api-key":            {"Api-Key", key},
		"bearer":             {"Authorization", "Bearer " + key},
		"basic password":     {"Authorization", basic},
		"hyperswitch header": {"Authorization", "api-key=" + key},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := e.Do(t, "GET", "/cardvault/v1/cards", "", h...)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	writer := e.Key(t, vault.ScopeCardsWrite)
	reader := e.Key(t, vault.ScopeCardsRead)
	e.Do(t, "POST", "/cardvault/v1/cards", cardBody, "X-Api-Key", writer)
	big := `{"number":"` + pan + `","reference":"` + strings.Repeat("x", 5000) + `"}`
	for _, tc := range []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		code                     string
	}{
		{"unknown route", "GET", "/cardvault/v1/nothing", "", []string{"X-Api-Key", writer}, 404, "not_found"},
		{"unknown top-level route", "GET", "/nowhere", "", nil, 404, "not_found"},
		{"wrong method", "PUT", "/cardvault/v1/cards", cardBody, []string{"X-Api-Key", writer}, 405, "method_not_allowed"},
		{"body over the limit", "POST", "/cardvault/v1/cards", big, []string{"X-Api-Key", writer}, 413, "too_large"},
		{"malformed JSON", "POST", "/cardvault/v1/cards", `{"number":`, []string{"X-Api-Key", writer}, 400, "invalid"},
		{"JSON not an object", "POST", "/cardvault/v1/cards", `["x"]`, []string{"X-Api-Key", writer}, 400, "invalid"},
		{"unknown field", "POST", "/cardvault/v1/cards", `{"number":"` + pan + `","colour":"red"}`, []string{"X-Api-Key", writer}, 400, "invalid"},
		{"form body", "POST", "/cardvault/v1/cards", `number=` + pan, []string{"X-Api-Key", writer, "Content-Type", "application/x-www-form-urlencoded"}, 400, "invalid"},
		{"fails Luhn", "POST", "/cardvault/v1/cards", `{"number":"4111111111111112"}`, []string{"X-Api-Key", writer}, 400, "invalid"},
		{"month 13", "POST", "/cardvault/v1/cards", `{"number":"` + pan + `","expiry":"13/2030"}`, []string{"X-Api-Key", writer}, 400, "invalid"},
		{"expired card", "POST", "/cardvault/v1/cards", `{"number":"` + pan + `","expiry":"01/2020"}`, []string{"X-Api-Key", writer}, 400, "invalid"},
		{"amex with 3-digit code", "POST", "/cardvault/v1/cards", `{"number":"` + amexPAN + `","security_code":"123"}`, []string{"X-Api-Key", writer}, 400, "invalid"},
		{"missing credentials", "POST", "/cardvault/v1/cards", cardBody, nil, 401, "unauthorized"},
		{"unknown credentials", "POST", "/cardvault/v1/cards", cardBody, []string{"X-Api-Key", "cvk_not-a-real-key-at-all-000000000000000000"}, 401, "unauthorized"},
		{"scope missing", "POST", "/cardvault/v1/cards", cardBody, []string{"X-Api-Key", reader}, 403, "forbidden"},
		{"admin route without admin", "GET", "/cardvault/v1/keys", "", []string{"X-Api-Key", writer}, 403, "forbidden"},
		{"card id not a uuid", "GET", "/cardvault/v1/cards/" + pan, "", []string{"X-Api-Key", reader}, 404, "not_found"},
		{"limit 0", "GET", "/cardvault/v1/cards?limit=0", "", []string{"X-Api-Key", reader}, 400, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.Do(t, tc.method, tc.path, tc.body, tc.headers...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q, want JSON", ct)
			}
			eb := vaulttest.Decode[errBody](t, body)
			if eb.Error.Code != tc.code || eb.Error.Message == "" || eb.Error.RequestID == "" {
				t.Errorf("error body %s, want code %q with a message and request id", body, tc.code)
			}
			if strings.Contains(string(body), pan) {
				t.Errorf("error body echoes the card number: %s", body)
			}
		})
	}
	resp, body := e.Do(t, "GET", "/cardvault/v1/cards", "", "X-Api-Key", reader)
	if n := len(vaulttest.Decode[struct{ Items []any }](t, body).Items); resp.StatusCode != 200 || n != 1 {
		t.Fatalf("after bad input the vault holds %d cards, want exactly the 1 stored first (%s)", n, body)
	}
	if resp, _ := e.Do(t, "PUT", "/cardvault/v1/cards", "", "X-Api-Key", writer); resp.Header.Get("Allow") == "" {
		t.Error("405 without an Allow header")
	}
	e.AssertLogClean(t, pan, "4111111111111112", amexPAN)
}

func TestKeysAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, body := e.Do(t, "POST", "/cardvault/v1/keys", `{"name":"shop","scopes":["cards:read","forward"]}`, "X-Api-Key", e.AdminKey)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create key: %d %s", resp.StatusCode, body)
	}
	k := vaulttest.Decode[struct{ ID, Secret string }](t, body)
	if !strings.HasPrefix(k.Secret, "cvk_") {
		t.Fatalf("secret %q", k.Secret)
	}
	if resp, _ := e.Do(t, "GET", "/cardvault/v1/cards", "", "X-Api-Key", k.Secret); resp.StatusCode != http.StatusOK {
		t.Fatalf("new key does not work: %d", resp.StatusCode)
	}
	resp, body = e.Do(t, "GET", "/cardvault/v1/keys", "", "X-Api-Key", e.AdminKey)
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), k.Secret) || strings.Contains(string(body), "hash") {
		t.Fatalf("list keys: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.Do(t, "POST", "/cardvault/v1/keys", `{"scopes":["root"]}`, "X-Api-Key", e.AdminKey); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown scope: %d, want 400", resp.StatusCode)
	}
	if resp, _ := e.Do(t, "DELETE", "/cardvault/v1/keys/"+k.ID, "", "X-Api-Key", e.AdminKey); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if resp, _ := e.Do(t, "GET", "/cardvault/v1/cards", "", "X-Api-Key", k.Secret); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked key still works: %d", resp.StatusCode)
	}
	if resp, _ := e.Do(t, "DELETE", "/cardvault/v1/keys/"+k.ID, "", "X-Api-Key", e.AdminKey); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("revoking twice: %d, want 404", resp.StatusCode)
	}
	e.AssertLogClean(t, k.Secret, e.AdminKey)
}
