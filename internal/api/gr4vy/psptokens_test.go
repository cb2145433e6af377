package gr4vy_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/api/gr4vy"
	"github.com/cardvault/cardvault/internal/connector"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/buyers"
	"github.com/cardvault/cardvault/internal/vault/cardtokens"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// tokenEnv is a vault whose operator configured one connector, named by a
// Gr4vy payment_service_id, to a loopback provider.
func tokenEnv(t *testing.T) (*vaulttest.Env, string, *url.Values, *sync.Mutex, *int) {
	t.Helper()
	var mu sync.Mutex
	got := url.Values{}
	status := http.StatusOK
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got, _ = url.ParseQuery(string(b))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status == http.StatusOK {
			_, _ = io.WriteString(w, `{"id":"tok_psp_1"}`)
		} else {
			_, _ = io.WriteString(w, `{"error":{"message":"card declined"}}`)
		}
	}))
	t.Cleanup(p.Close)
	service := uuid.NewString()
	raw, _ := json.Marshal(map[string]any{"connectors": []any{map[string]any{"id": service, "url": p.URL + "/tokens", "method": "POST",
		"content_type":  "application/x-www-form-urlencoded",
		"body":          "number={{ CARD_NUMBER_1 }}&exp={{ CARD_EXPIRATION_DATE_1 }}&cvc={{ CARD_SECURITY_CODE_1 }}",
		"token_pointer": "/id", "error_pointer": "/error/message"}}})
	set, err := connector.Parse(raw, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	allow, err := forward.ParseAllowlist(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	relay := forward.NewRelay(allow, forward.Options{})
	t.Cleanup(relay.Close)
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.Relay, d.Connectors = relay, connector.New(set, relay)
		d.Buyers, d.CardTokens = buyers.New(d.Vault), cardtokens.New(d.Vault)
		return []server.Facade{gr4vy.New(d)}
	}})
	return e, service, &got, &mu, &status
}

func TestPaymentServiceTokens(t *testing.T) {
	t.Parallel()
	e, service, got, mu, status := tokenEnv(t)
	w := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead)}
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "07/2031", "", "")
	path := "/payment-methods/" + id + "/payment-service-tokens"
	body := `{"payment_service_id":"` + service + `","redirect_url":"https://shop.example/back","security_code":"737"}`

	resp, b := e.Do(t, "POST", path, body, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	tok := vaulttest.Decode[struct {
		ID, Status       string
		Token            *string
		PaymentServiceID string `json:"payment_service_id"`
	}](t, b)
	mu.Lock()
	sent := *got
	mu.Unlock()
	if tok.Status != "succeeded" || tok.Token == nil || *tok.Token != "tok_psp_1" || tok.PaymentServiceID != service ||
		sent.Get("number") != visaPAN || sent.Get("cvc") != "737" || sent.Get("exp") != "07/31" {
		t.Fatalf("token %s; provider got %v", b, sent)
	}
	mu.Lock()
	*status = http.StatusPaymentRequired
	mu.Unlock()
	resp, b = e.Do(t, "POST", path, body, w...)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(b), `"status":"failed"`) || !strings.Contains(string(b), `"token":null`) {
		t.Fatalf("a refused tokenization: %d %s", resp.StatusCode, b)
	}
	resp, b = e.Do(t, "GET", path+"?payment_service_id="+service, "", w...)
	if list := vaulttest.Decode[struct{ Items []struct{ ID string } }](t, b); resp.StatusCode != 200 || len(list.Items) != 2 || list.Items[0].ID != tok.ID {
		t.Fatalf("list: %s", b)
	}
	resp, b = e.Do(t, "POST", path, `{"payment_service_id":"`+uuid.NewString()+`","redirect_url":"https://x"}`, w...)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "payment service")
	resp, b = e.Do(t, "POST", "/payment-methods/"+uuid.NewString()+"/payment-service-tokens", body, w...)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "payment method")
	resp, b = e.Do(t, "DELETE", path+"/"+tok.ID, "", w...)
	vaulttest.WantStatus(t, resp, b, http.StatusNoContent)
	resp, b = e.Do(t, "DELETE", path+"/"+tok.ID, "", w...)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "token")

	var actions []string
	for _, en := range auditEntries(t, e) {
		actions = append(actions, en.Action)
	}
	if strings.Count(strings.Join(actions, ","), "connector.tokenize") != 2 {
		t.Errorf("audit %v, want two connector.tokenize entries", actions)
	}
	e.AssertLogClean(t, visaPAN, "tok_psp_1")
}
