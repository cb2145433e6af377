package gr4vy_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// checkoutResp is a CheckoutSession as the tests read it.
type checkoutResp struct {
	Type          string
	ID            string
	ExpiresAt     time.Time `json:"expires_at"`
	Amount        *int64
	PaymentMethod *struct {
		ID     *string
		Label  string
		Scheme string
	} `json:"payment_method"`
}

func TestCheckoutSessionLifecycle(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	e := newEnv(t, u.rule(), forward.Options{})
	w := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead, vault.ScopeForward)}

	resp, b := e.Do(t, "POST", "/checkout/sessions", `{"amount":1299,"currency":"EUR","metadata":{"order":"o-1"},"expires_in":7200}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	cs := vaulttest.Decode[checkoutResp](t, b)
	if cs.Type != "checkout-session" || cs.Amount == nil || *cs.Amount != 1299 || cs.PaymentMethod != nil ||
		cs.ExpiresAt.Sub(e.Vault.Now()).Round(time.Minute) != 2*time.Hour {
		t.Fatalf("created %s", b)
	}
	path := "/checkout/sessions/" + cs.ID
	resp, b = e.Do(t, "PUT", path, `{"amount":1500,"currency":"EUR"}`, w...)
	if got := vaulttest.Decode[checkoutResp](t, b); resp.StatusCode != 200 || *got.Amount != 1500 || !got.ExpiresAt.Equal(cs.ExpiresAt) {
		t.Fatalf("update: %s", b)
	}

	// The browser: no credential but the session id.
	resp, b = e.Do(t, "POST", path+"/card-details", `{"bin":"41111111"}`)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"scheme":"visa"`) {
		t.Fatalf("card details: %d %s", resp.StatusCode, b)
	}
	resp, b = e.Do(t, "PUT", path+"/fields", `{"payment_method":{"method":"card","number":"`+visaPAN+`","expiration_date":"07/31","security_code":"737"}}`)
	vaulttest.WantStatus(t, resp, b, http.StatusNoContent)
	resp, b = e.Do(t, "GET", path, "", w...)
	if got := vaulttest.Decode[checkoutResp](t, b); resp.StatusCode != 200 || got.PaymentMethod == nil ||
		got.PaymentMethod.Label != "1111" || got.PaymentMethod.ID != nil {
		t.Fatalf("session with a card: %s", b)
	}
	if strings.Contains(string(b), visaPAN) || strings.Contains(string(b), "737") {
		t.Fatalf("the session shows card data: %s", b)
	}

	// Forward with the session alone: its card and security code.
	tpl := `{"n":"{{ CARD_NUMBER_1 }}","e":"{{ CARD_EXPIRATION_DATE_1 }}","c":"{{ CARD_SECURITY_CODE_1 }}"}`
	fwd := append([]string{"X-Vault-Forward-Url", u.URL + "/charges", "X-Vault-Forward-Http-Method", "POST",
		"X-Vault-Forward-Header-Content-Type", "application/json"}, w...)
	resp, b = e.Do(t, "POST", "/vault-forward", tpl, append(fwd, "X-Vault-Forward-Checkout-Session", cs.ID)...)
	if resp.StatusCode != 200 || u.requests()[0].Body != `{"n":"`+visaPAN+`","e":"07/31","c":"737"}` {
		t.Fatalf("forward with the session: %d %s %+v", resp.StatusCode, b, u.requests())
	}

	// Store the session's card for a buyer; the code stays with the session.
	resp, b = e.Do(t, "POST", "/buyers", `{"external_identifier":"shopper-1"}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	resp, b = e.Do(t, "POST", "/payment-methods", `{"method":"checkout-session","id":"`+cs.ID+`","buyer_external_identifier":"shopper-1","external_identifier":"pm-1"}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	pm := vaulttest.Decode[pmResp](t, b)
	if pm.Buyer == nil || !strings.Contains(string(b), `"label":"1111"`) || !strings.Contains(string(b), `"expiration_date":"07/31"`) {
		t.Fatalf("stored from the session: %s", b)
	}
	if hold, err := e.Vault.SecurityCodeStatus(t.Context(), vault.DefaultTenant, pm.ID); err != nil || hold.Held {
		t.Fatalf("the session's security code was stored with the card: %+v %v", hold, err)
	}
	_, b = e.Do(t, "GET", path, "", w...)
	if got := vaulttest.Decode[checkoutResp](t, b); got.PaymentMethod == nil || got.PaymentMethod.ID == nil || *got.PaymentMethod.ID != pm.ID {
		t.Fatalf("session after storing: %s", b)
	}
	// Now the stored card and the session together.
	resp, b = e.Do(t, "POST", "/vault-forward", tpl, append(fwd, "X-Vault-Forward-Checkout-Session", cs.ID,
		"X-Vault-Forward-Payment-Methods", pm.ID)...)
	if resp.StatusCode != 200 || u.requests()[1].Body != `{"n":"`+visaPAN+`","e":"07/31","c":"737"}` {
		t.Fatalf("forward with the stored card and the session: %d %s", resp.StatusCode, b)
	}

	// Deleted: the session, its card and code are gone; the stored card stays.
	resp, b = e.Do(t, "DELETE", path, "", w...)
	vaulttest.WantStatus(t, resp, b, http.StatusNoContent)
	resp, b = e.Do(t, "POST", "/vault-forward", tpl, append(fwd, "X-Vault-Forward-Checkout-Session", cs.ID)...)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "checkout session")
	resp, b = e.Do(t, "PUT", path+"/fields", `{"payment_method":{"method":"card","number":"`+visaPAN+`","expiration_date":"07/31"}}`)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "checkout session")
	resp, b = e.Do(t, "GET", "/payment-methods/"+pm.ID, "", w...)
	vaulttest.WantStatus(t, resp, b, http.StatusOK)
	if n := len(u.requests()); n != 2 {
		t.Fatalf("%d forwards reached the provider, want 2", n)
	}
	e.AssertLogClean(t, visaPAN, `"737"`)
}

func TestCheckoutSessionBadInput(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	e := newEnv(t, u.rule(), forward.Options{})
	w := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead, vault.ScopeForward)}
	resp, b := e.Do(t, "POST", "/checkout/sessions", "", w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	empty := vaulttest.Decode[checkoutResp](t, b)
	if got := empty.ExpiresAt.Sub(e.Vault.Now()).Round(time.Minute); got != time.Hour {
		t.Fatalf("default lifetime %v, want 1h", got)
	}
	other := e.TenantKey(t, "acme")
	_, b = e.Do(t, "POST", "/checkout/sessions", "", "Authorization", "Bearer "+other)
	foreign := vaulttest.Decode[checkoutResp](t, b)

	fields := func(pm string) string { return `{"payment_method":` + pm + `}` }
	for _, tc := range []struct {
		name, method, path, body string
		auth                     bool
		status                   int
		want                     string
	}{
		{"lifetime too short", "POST", "/checkout/sessions", `{"expires_in":60}`, true, 400, "expires_in"},
		{"lifetime too long", "POST", "/checkout/sessions", `{"expires_in":90000}`, true, 400, "expires_in"},
		{"bad currency", "POST", "/checkout/sessions", `{"currency":"euro"}`, true, 400, "currency"},
		{"card number in metadata", "POST", "/checkout/sessions", `{"metadata":{"note":"` + visaPAN + `"}}`, true, 400, "card number"},
		{"another tenant's session", "GET", "/checkout/sessions/" + foreign.ID, "", true, 404, "checkout session"},
		{"unknown session's fields", "PUT", "/checkout/sessions/" + uuid.NewString() + "/fields", fields(`{"method":"card","number":"` + visaPAN + `","expiration_date":"07/31"}`), false, 404, "checkout session"},
		{"fields with a bad number", "PUT", "/checkout/sessions/" + empty.ID + "/fields", fields(`{"method":"card","number":"4111111111111112","expiration_date":"07/31"}`), false, 400, "number"},
		{"fields with a bad code", "PUT", "/checkout/sessions/" + empty.ID + "/fields", fields(`{"method":"card","number":"` + visaPAN + `","expiration_date":"07/31","security_code":"1"}`), false, 400, "security code"},
		{"fields naming another tenant's card", "PUT", "/checkout/sessions/" + foreign.ID + "/fields", fields(`{"method":"id","id":"` + storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", "", "") + `"}`), false, 404, "payment method"},
		{"fields of an unknown method", "PUT", "/checkout/sessions/" + empty.ID + "/fields", fields(`{"method":"paypal"}`), false, 400, "card or id"},
		{"card details with a short bin", "POST", "/checkout/sessions/" + empty.ID + "/card-details", `{"bin":"4111"}`, false, 400, "bin"},
		{"store a session without a card", "POST", "/payment-methods", `{"method":"checkout-session","id":"` + empty.ID + `"}`, true, 400, "holds no card"},
		{"forward a session without a card", "POST", "/vault-forward", `{"n":"{{ CARD_NUMBER_1 }}"}`, true, 400, "holds no card"},
		{"session routes need a credential", "GET", "/checkout/sessions/" + empty.ID, "", false, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h []string
			if tc.auth {
				h = append(h, w...)
			}
			if tc.path == "/vault-forward" {
				h = append(h, "X-Vault-Forward-Url", u.URL, "X-Vault-Forward-Http-Method", "POST", "X-Vault-Forward-Checkout-Session", empty.ID)
			}
			resp, b := e.Do(t, tc.method, tc.path, tc.body, h...)
			assertError(t, resp, b, tc.status, errorCodeOf(tc.status), tc.want)
			if strings.Contains(string(b), visaPAN) {
				t.Errorf("error echoes the card number: %s", b)
			}
		})
	}
	// Expiry: a filled session stops working when its lifetime ends.
	resp, b = e.Do(t, "PUT", "/checkout/sessions/"+empty.ID+"/fields", fields(`{"method":"card","number":"`+visaPAN+`","expiration_date":"07/31","security_code":"737"}`))
	vaulttest.WantStatus(t, resp, b, http.StatusNoContent)
	e.Clock.Advance(time.Hour + time.Second)
	resp, b = e.Do(t, "POST", "/payment-methods", `{"method":"checkout-session","id":"`+empty.ID+`"}`, w...)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "expired")
	if n := len(u.requests()); n != 0 {
		t.Fatalf("%d requests reached the provider", n)
	}
	raw, _ := json.Marshal(auditEntries(t, e))
	if strings.Contains(string(raw), visaPAN) {
		t.Fatal("the audit log holds the card number")
	}
}

// errorCodeOf is Gr4vy's code for a status.
func errorCodeOf(status int) string {
	return map[int]string{400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}[status]
}
