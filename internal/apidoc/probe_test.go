package apidoc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// step is one request; {id} in its path takes the id of the first answer.
type step struct {
	method, path, body string
	status             int
}

// TestDialectDocumentsAcceptRealAnswers drives a short flow of each dialect
// (create, list, get, delete, and a refusal) through a client that checks
// every exchange against the dialect's document. It is the start of the
// per-facade validation the facades' own tests are to adopt.
func TestDialectDocumentsAcceptRealAnswers(t *testing.T) {
	for _, c := range []struct {
		name, header, prefix string
		steps                []step
	}{
		{"gr4vy", "Authorization", "Bearer ", []step{
			{"POST", "/payment-methods", `{"method":"card","number":"4111111111111111","expiration_date":"12/30"}`, 201},
			{"GET", "/payment-methods", "", 200},
			{"GET", "/payment-methods/{id}", "", 200},
			{"DELETE", "/payment-methods/{id}", "", 204},
		}},
		{"hyperswitch", "api-key", "", []step{
			{"POST", "/v2/customers", `{"merchant_reference_id":"c1","name":"Ada","email":"a@b.example"}`, 200},
			{"GET", "/v2/customers/list", "", 200},
			{"GET", "/v2/customers/{id}", "", 200},
			{"DELETE", "/v2/customers/{id}", "", 200},
		}},
		{"guardian", "X-Api-Key", "", []step{
			{"POST", "/api/pci/tokens", `{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2039}}`, 200},
			{"GET", "/api/pci/tokens", "", 200},
			{"GET", "/api/pci/tokens/{id}", "", 200},
			{"GET", "/api/pci/tokens/{id}/security-code", "", 200},
			{"DELETE", "/api/pci/tokens/{id}", "", 204},
		}},
		{"pcivault", "X-API-KEY", "", []step{
			{"POST", "/v1/key?user=u1&passphrase=correct-horse-battery-staple", `{}`, 200},
			{"GET", "/v1/key", "", 200},
			{"POST", "/v1/vault?user=u1&passphrase=correct-horse-battery-staple", `{"card_number":"4111111111111111","card_holder":"Ada Lovelace","expiry":"12/30"}`, 200},
			{"GET", "/v1/vault?user=u1", "", 200},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := vaulttest.New(t, vaulttest.Options{Facades: dialects[c.name]})
			key := e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead, vault.ScopeCardsReveal, vault.ScopeForward)
			hc := apidoctest.New(t, c.name).Client(t, nil)
			id := ""
			send := func(s step, credential string) int {
				path := strings.ReplaceAll(s.path, "{id}", id)
				req, _ := http.NewRequest(s.method, e.URL+path, strings.NewReader(s.body))
				if s.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set(c.header, c.prefix+credential)
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				var first struct{ ID string }
				if id == "" && json.Unmarshal(b, &first) == nil {
					id = first.ID
				}
				return resp.StatusCode
			}
			for _, s := range c.steps {
				if got := send(s, key); got != s.status {
					t.Errorf("%s %s: %d, want %d", s.method, s.path, got, s.status)
				}
			}
			// A refusal is checked against the document's error responses.
			if got := send(c.steps[1], "wrong-key-"+strings.Repeat("x", 40)); got != http.StatusUnauthorized {
				t.Errorf("a wrong key: %d", got)
			}
		})
	}
}
