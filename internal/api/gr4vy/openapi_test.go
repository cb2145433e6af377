package gr4vy_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
)

// docStep is one request of an OpenAPI-checked flow: "{name}" in path and
// headers takes a value saved from an earlier answer's JSON field.
type docStep struct {
	method, path, body string
	headers            []string
	status             int
	save               map[string]string // name ← top-level JSON field
}

// runDocFlow sends steps through a client that fails the test when a
// request or an answer does not match the named OpenAPI document.
func runDocFlow(t *testing.T, base, doc string, steps []docStep, credential ...string) *apidoctest.Validator {
	t.Helper()
	v := apidoctest.New(t, doc)
	hc := v.Client(t, nil)
	vars := map[string]string{}
	fill := func(s string) string {
		for k, val := range vars {
			s = strings.ReplaceAll(s, "{"+k+"}", val)
		}
		return s
	}
	for i, s := range steps {
		req, _ := http.NewRequest(s.method, base+fill(s.path), strings.NewReader(fill(s.body)))
		if s.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		hs := append(append([]string(nil), credential...), s.headers...)
		for j := 0; j+1 < len(hs); j += 2 {
			req.Header.Set(hs[j], fill(hs[j+1]))
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("step %d %s %s: %v", i, s.method, s.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != s.status {
			t.Fatalf("step %d %s %s: %d %s, want %d", i, s.method, s.path, resp.StatusCode, b, s.status)
		}
		var obj map[string]any
		_ = json.Unmarshal(b, &obj)
		for name, field := range s.save {
			val, _ := obj[field].(string)
			if val == "" {
				t.Fatalf("step %d: no %q in %s", i, field, b)
			}
			vars[name] = val
		}
	}
	return v
}

// wantChecked fails unless every operation was checked at least once.
func wantChecked(t *testing.T, v *apidoctest.Validator, ops ...string) {
	t.Helper()
	checked := v.Checked()
	for _, op := range ops {
		if checked[op] == 0 {
			t.Errorf("no exchange of %s was checked against the document", op)
		}
	}
}

// TestExchangesMatchTheOpenAPIDocument drives the Gr4vy facade's main flow
// (store a card, list, get, forward it to a loopback provider, delete) and
// its refusals through a client that checks every exchange against
// docs/gr4vy.json.
func TestExchangesMatchTheOpenAPIDocument(t *testing.T) {
	u := newUpstream(t, nil)
	e := newEnv(t, u.rule(), forward.Options{})
	key := e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead, vault.ScopeForward)
	auth := []string{"Authorization", "Bearer " + key}
	v := runDocFlow(t, e.URL, "gr4vy", []docStep{
		{method: "POST", path: "/payment-methods", body: `{"method":"card","number":"4111111111111111","expiration_date":"12/30","security_code":"123"}`,
			status: 201, save: map[string]string{"id": "id"}},
		{method: "GET", path: "/payment-methods", status: 200},
		{method: "GET", path: "/payment-methods?limit=1", status: 200},
		{method: "GET", path: "/payment-methods/{id}", status: 200},
		{method: "POST", path: "/vault-forward", body: `{"pan":"{{ CARD_NUMBER_1 }}"}`, status: 200,
			headers: []string{"X-Vault-Forward-Url", u.URL + "/charges", "X-Vault-Forward-Http-Method", "POST",
				"X-Vault-Forward-Payment-Methods", "{id}"}},
		{method: "POST", path: "/payment-methods", body: `{"method":"card","number":"4111111111111112","expiration_date":"12/30"}`, status: 400},
		{method: "GET", path: "/payment-methods/00000000-0000-0000-0000-000000000000", status: 404},
		{method: "DELETE", path: "/payment-methods/{id}", status: 204},
	}, auth...)
	wantChecked(t, v, "POST /payment-methods", "GET /payment-methods", "GET /payment-methods/{payment_method_id}",
		"DELETE /payment-methods/{payment_method_id}", "POST /vault-forward")
	runDocFlow(t, e.URL, "gr4vy", []docStep{{method: "GET", path: "/payment-methods", status: 401}},
		"Authorization", "Bearer wrong-key-"+strings.Repeat("x", 40))
}
