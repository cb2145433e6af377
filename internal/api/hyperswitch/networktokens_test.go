package hyperswitch_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/api/hyperswitch"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
)

// TestNetworkTokenLifecycle follows the seed's "payment method token along
// with network tokens" over HTTP, every answer checked against
// Hyperswitch's document: create with network_tokenization Enable, the
// masked token and its status in the answer, retrieve, the status check,
// a suspension made elsewhere showing, and delete removing the token.
func TestNetworkTokenLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cus := e.newCustomer(t, "cus_nt")
	status, b := e.call(t, "POST", "/v2/payment-methods",
		strings.Replace(seedPaymentMethod(cus, `, "network_tokenization": {"enable": "Enable"}`), `"credit",
  "metadata"`, `"ach",
  "metadata"`, 1))
	if status != 200 {
		t.Fatalf("create: %d %s", status, b)
	}
	pm := obj(t, b)
	id := pm["id"].(string)
	tokenID, _ := at(pm, "network_tokenization.network_token_id").(string)
	last4, _ := at(pm, "network_token.payment_method_data.last4_digits").(string)
	if at(pm, "network_tokenization.status") != "active" || at(pm, "network_tokenization.sandbox") != true || tokenID == "" ||
		len(last4) != 4 || at(pm, "network_token.payment_method_data.network_token_expiry_year") == nil ||
		at(pm, "network_token.payment_method_data.card_network") != "Visa" {
		t.Fatalf("create answered %s", b)
	}
	tok, err := e.NetworkTokens.Get(t.Context(), vault.DefaultTenant, tokenID)
	if err != nil || tok.DPAN.Last4() != last4 || tok.DPAN.Digits() == seedPAN {
		t.Fatalf("the token behind the answer: %v %v", tok.DPAN, err)
	}
	if strings.Contains(string(b), tok.DPAN.Digits()) || strings.Contains(string(b), seedPAN) {
		t.Errorf("the answer carries a full card or token number: %s", b)
	}

	// Saved again asking again: the same payment method and token.
	again := e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, `, "network_tokenization": {"enable": "Enable"}`))
	if again["id"] != id || at(again, "network_tokenization.network_token_id") != tokenID {
		t.Errorf("saved again: %v", again)
	}
	got := e.must(t, "GET", "/v2/payment-methods/"+id, "")
	if at(got, "network_token.payment_method_data.last4_digits") != last4 || at(got, "network_tokenization.status") != "active" {
		t.Errorf("retrieve: %v", got)
	}
	saved := e.must(t, "GET", "/v2/customers/"+cus+"/saved-payment-methods", "")
	if at(saved, "customer_payment_methods.0.network_tokenization.payment_method_data.last4_digits") != last4 {
		t.Errorf("saved payment methods: %v", saved)
	}
	check := func(want string) map[string]any {
		t.Helper()
		resp, b := e.Do(t, "GET", "/v2/payment-methods/"+id+"/check-network-token-status", "", "api-key", e.key)
		st := obj(t, b)
		if resp.StatusCode != 200 || st["type"] != "success_response" || st["status"] != want || st["payment_method_id"] != id ||
			st["customer_id"] != cus || resp.Header.Get(hyperswitch.SandboxHeader) != "true" {
			t.Errorf("status check, want %s: %d %s %v", want, resp.StatusCode, b, resp.Header)
		}
		return st
	}
	if st := check("ACTIVE"); st["token_last_four"] != last4 || st["card_last_four"] != "1142" || st["card_expiry_year"] != "2035" ||
		st["token_expiry_month"] == nil {
		t.Errorf("active status check: %v", st)
	}

	// Suspended through another dialect: both answers show it.
	if _, err := e.NetworkTokens.Suspend(t.Context(), vault.DefaultTenant, tokenID); err != nil {
		t.Fatal(err)
	}
	if st := check("SUSPENDED"); st["token_last_four"] != nil {
		t.Errorf("a suspended token's details are shown: %v", st)
	}
	if got := e.must(t, "GET", "/v2/payment-methods/"+id, ""); at(got, "network_tokenization.status") != "suspended" {
		t.Errorf("retrieve after suspension: %v", got)
	}

	// Delete removes the token with the payment method.
	e.must(t, "DELETE", "/v2/payment-methods/"+id, "")
	if tok, err := e.NetworkTokens.Get(t.Context(), vault.DefaultTenant, tokenID); err != nil || tok.State != tsp.StateDeleted {
		t.Errorf("token after the payment method's deletion: %s %v", tok.State, err)
	}
	if status, b := e.call(t, "GET", "/v2/payment-methods/"+id+"/check-network-token-status", ""); status != 404 || errCode(t, b) != "HE_02" {
		t.Errorf("status check of a deleted payment method: %d %s", status, b)
	}
	e.AssertLogClean(t, seedPAN, tok.DPAN.Digits())
}

// TestNetworkTokenStates: a token deleted elsewhere shows as deleted and a
// new one is provisioned when asked again; a card never tokenized reports
// none; deleting the customer deletes its cards' tokens.
func TestNetworkTokenStates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cus := e.newCustomer(t, "cus_states")
	plain := e.must(t, "POST", "/v2/payment-methods", cardBody(cus, "5555555555554444", "1", "40"))
	if at(plain, "network_tokenization.status") != "none" || plain["network_token"] != nil {
		t.Errorf("not asked: %v", plain)
	}
	if saved := e.must(t, "GET", "/v2/customers/"+cus+"/saved-payment-methods", ""); at(saved, "customer_payment_methods.0.network_tokenization") != nil {
		t.Errorf("saved payment methods without a token: %v", saved)
	}
	if st := e.must(t, "GET", "/v2/payment-methods/"+plain["id"].(string)+"/check-network-token-status", ""); st["type"] != "failure_response" ||
		!strings.Contains(st["error_message"].(string), "no network token") {
		t.Errorf("status check without a token: %v", st)
	}
	asked := e.must(t, "POST", "/v2/payment-methods", strings.Replace(cardBody(cus, "5555555555554444", "1", "40"),
		`"payment_method_data"`, `"network_tokenization":{"enable":"Enable"},"payment_method_data"`, 1))
	first, _ := at(asked, "network_tokenization.network_token_id").(string)
	if asked["id"] != plain["id"] || at(asked, "network_tokenization.status") != "active" || first == "" {
		t.Fatalf("asked on a saved card: %v", asked)
	}
	if _, err := e.NetworkTokens.Delete(t.Context(), vault.DefaultTenant, first); err != nil {
		t.Fatal(err)
	}
	gone := e.must(t, "GET", "/v2/payment-methods/"+plain["id"].(string), "")
	if at(gone, "network_tokenization.status") != "deleted" || gone["network_token"] != nil {
		t.Errorf("after the token's deletion: %v", gone)
	}
	renewed := e.must(t, "POST", "/v2/payment-methods", strings.Replace(cardBody(cus, "5555555555554444", "1", "40"),
		`"payment_method_data"`, `"network_tokenization":{"enable":"Enable"},"payment_method_data"`, 1))
	second, _ := at(renewed, "network_tokenization.network_token_id").(string)
	if at(renewed, "network_tokenization.status") != "active" || second == "" || second == first {
		t.Errorf("asked again after deletion: %v", renewed)
	}
	e.must(t, "DELETE", "/v2/customers/"+cus, "")
	if tok, err := e.NetworkTokens.Get(t.Context(), vault.DefaultTenant, second); err != nil || tok.State != tsp.StateDeleted {
		t.Errorf("token after the customer's deletion: %s %v", tok.State, err)
	}
}

// TestNetworkTokenRefused: a card whose scheme the token service does not
// tokenize is refused with IR_19 and a clear message, and nothing is left
// saved; a card already saved stays as it was.
func TestNetworkTokenRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	notices := make(chan vault.Notice, 16)
	e.Vault.OnNotice(func(_ context.Context, n vault.Notice) error { notices <- n; return nil })
	cus := e.newCustomer(t, "cus_jcb")
	jcb := strings.Replace(cardBody(cus, "3566002020360505", "1", "40"),
		`"payment_method_data"`, `"network_tokenization":{"enable":"Enable"},"payment_method_data"`, 1)
	status, b := e.call(t, "POST", "/v2/payment-methods", jcb)
	if status != 400 || errCode(t, b) != "IR_19" || !strings.Contains(string(b), "does not tokenize jcb") {
		t.Errorf("jcb with a network token: %d %s", status, b)
	}
	if cards, pms := e.counts(t); cards != 0 || pms != 0 {
		t.Errorf("a refused create left %d cards, %d payment methods", cards, pms)
	}
	// The refusal comes before the card is saved: no card was stored and
	// deleted again (which the enumeration guard would count as a deleted
	// guess, suspending a merchant that sends such cards). The next card's
	// notice is the first one.
	e.must(t, "POST", "/v2/payment-methods", cardBody(cus, "4242424242424242", "1", "40"))
	for n := range notices {
		if n.Action == vault.ActionCardCreate {
			if c, err := e.Vault.GetCard(context.Background(), n.Tenant, n.Target); err == nil && c.Last4 == "4242" {
				break
			}
		}
		t.Errorf("notice %s %s before the next card's: the refused card was stored", n.Action, n.Target)
	}
	saved := e.must(t, "POST", "/v2/payment-methods", cardBody(cus, "3566002020360505", "1", "40"))
	if status, b := e.call(t, "POST", "/v2/payment-methods", jcb); status != 400 || errCode(t, b) != "IR_19" {
		t.Errorf("jcb saved, then asked: %d %s", status, b)
	}
	if got := e.must(t, "GET", "/v2/payment-methods/"+saved["id"].(string), ""); at(got, "network_tokenization.status") != "none" {
		t.Errorf("the saved card after a refusal: %v", got)
	}
	e.AssertLogClean(t, "3566002020360505")
}

// TestConcurrentCreatesKeepOneToken: the same card saved with
// network_tokenization Enable by several requests at once ends with one
// live network token, however the requests interleave.
func TestConcurrentCreatesKeepOneToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cus := e.newCustomer(t, "cus_race")
	body := strings.Replace(cardBody(cus, "5555555555554444", "1", "40"),
		`"payment_method_data"`, `"network_tokenization":{"enable":"Enable"},"payment_method_data"`, 1)
	const n = 6
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, b := e.Do(t, "POST", "/v2/payment-methods", body, "api-key", e.key)
			if resp.StatusCode != 200 {
				t.Errorf("create: %d %s", resp.StatusCode, b)
				return
			}
			ids <- obj(t, b)["id"].(string)
		}()
	}
	wg.Wait()
	close(ids)
	pm, err := e.Customers.GetPaymentMethod(t.Context(), vault.DefaultTenant, hyperswitch.DefaultProfile, <-ids)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := e.NetworkTokens.List(t.Context(), vault.DefaultTenant, pm.Card.ID, vault.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	live := 0
	for _, tok := range ts {
		if tok.State != tsp.StateDeleted {
			live++
		}
	}
	if live != 1 {
		t.Errorf("%d live network tokens for one card after %d concurrent creates (%d in all)", live, n, len(ts))
	}
}
