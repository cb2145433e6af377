package gr4vy_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// buyerResp is a Buyer as the tests read it.
type buyerResp struct {
	Type               string
	ID                 string
	ReconciliationID   string  `json:"reconciliation_id"`
	DisplayName        *string `json:"display_name"`
	ExternalIdentifier *string `json:"external_identifier"`
	BillingDetails     *struct {
		FirstName string `json:"first_name"`
		Address   *struct{ Country string }
	} `json:"billing_details"`
}

// pmResp is a payment method as the tests read it.
type pmResp struct {
	ID    string
	Buyer *buyerResp
}

func TestBuyerLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", forward.Options{})
	w := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead)}

	resp, b := e.Do(t, "POST", "/buyers", `{"display_name":"Ada Lovelace","external_identifier":"buyer-1",`+
		`"billing_details":{"first_name":"Ada","phone_number":"+442071838750","address":{"country":"GB","line1":"12 St James's Sq"},`+
		`"tax_id":{"value":"GB123","kind":"gb.vat"}}}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	buyer := vaulttest.Decode[buyerResp](t, b)
	if buyer.Type != "buyer" || buyer.DisplayName == nil || *buyer.DisplayName != "Ada Lovelace" || buyer.ReconciliationID == "" ||
		buyer.BillingDetails == nil || buyer.BillingDetails.Address.Country != "GB" {
		t.Fatalf("created %s", b)
	}
	resp, b = e.Do(t, "POST", "/buyers", `{"external_identifier":"buyer-1"}`, w...)
	assertError(t, resp, b, http.StatusConflict, "duplicate_record", "already exists")

	resp, b = e.Do(t, "GET", "/buyers?external_identifier=buyer-1", "", w...)
	if got := vaulttest.Decode[struct{ Items []buyerResp }](t, b); resp.StatusCode != 200 || len(got.Items) != 1 || got.Items[0].ID != buyer.ID {
		t.Fatalf("list by external identifier: %s", b)
	}
	resp, b = e.Do(t, "GET", "/buyers?search=lovelace", "", w...)
	if got := vaulttest.Decode[struct{ Items []buyerResp }](t, b); resp.StatusCode != 200 || len(got.Items) != 1 {
		t.Fatalf("search: %s", b)
	}
	resp, b = e.Do(t, "PUT", "/buyers/"+buyer.ID, `{"display_name":"Ada King","billing_details":null}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusOK)
	if got := vaulttest.Decode[buyerResp](t, b); *got.DisplayName != "Ada King" || got.BillingDetails != nil ||
		got.ExternalIdentifier == nil || *got.ExternalIdentifier != "buyer-1" {
		t.Fatalf("update: %s", b)
	}

	// Shipping details.
	resp, b = e.Do(t, "POST", "/buyers/"+buyer.ID+"/shipping-details", `{"first_name":"Ada","address":{"city":"London"}}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	ship := vaulttest.Decode[struct{ ID, Type string }](t, b)
	path := "/buyers/" + buyer.ID + "/shipping-details/" + ship.ID
	resp, b = e.Do(t, "PUT", path, `{"last_name":"King"}`, w...)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"first_name":"Ada"`) || !strings.Contains(string(b), `"last_name":"King"`) {
		t.Fatalf("update shipping: %d %s", resp.StatusCode, b)
	}
	resp, b = e.Do(t, "GET", "/buyers/"+buyer.ID+"/shipping-details", "", w...)
	if resp.StatusCode != 200 || !strings.Contains(string(b), ship.ID) {
		t.Fatalf("list shipping: %s", b)
	}
	resp, b = e.Do(t, "DELETE", path, "", w...)
	vaulttest.WantStatus(t, resp, b, http.StatusNoContent)
	resp, b = e.Do(t, "GET", path, "", w...)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "shipping details")

	// Payment methods that belong to the buyer, by id and by external identifier.
	card := `{"method":"card","number":"` + visaPAN + `","expiration_date":"12/39"`
	resp, b = e.Do(t, "POST", "/payment-methods", card+`,"buyer_id":"`+buyer.ID+`"}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	pm1 := vaulttest.Decode[pmResp](t, b)
	if pm1.Buyer == nil || pm1.Buyer.ID != buyer.ID {
		t.Fatalf("payment method created for the buyer: %s", b)
	}
	resp, b = e.Do(t, "POST", "/payment-methods", card+`,"buyer_external_identifier":"buyer-1"}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	pm2 := vaulttest.Decode[pmResp](t, b)
	resp, b = e.Do(t, "POST", "/payment-methods", card+`}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	loose := vaulttest.Decode[pmResp](t, b)

	resp, b = e.Do(t, "GET", "/payment-methods/"+pm2.ID, "", w...)
	if got := vaulttest.Decode[pmResp](t, b); resp.StatusCode != 200 || got.Buyer == nil || got.Buyer.ID != buyer.ID {
		t.Fatalf("get: %s", b)
	}
	for _, q := range []string{"buyer_id=" + buyer.ID, "buyer_external_identifier=buyer-1"} {
		resp, b = e.Do(t, "GET", "/buyers/payment-methods?"+q, "", w...)
		got := vaulttest.Decode[struct{ Items []pmResp }](t, b)
		if resp.StatusCode != 200 || len(got.Items) != 2 || got.Items[0].ID != pm1.ID || got.Items[1].ID != pm2.ID {
			t.Fatalf("buyer's payment methods (%s): %s", q, b)
		}
		resp, b = e.Do(t, "GET", "/payment-methods?limit=1&"+q, "", w...)
		page := vaulttest.Decode[struct {
			Items      []pmResp
			NextCursor *string `json:"next_cursor"`
		}](t, b)
		if resp.StatusCode != 200 || len(page.Items) != 1 || page.Items[0].ID != pm1.ID || page.NextCursor == nil {
			t.Fatalf("list filtered by buyer (%s): %s", q, b)
		}
		_, b = e.Do(t, "GET", "/payment-methods?limit=1&cursor="+*page.NextCursor+"&"+q, "", w...)
		if page := vaulttest.Decode[struct{ Items []pmResp }](t, b); len(page.Items) != 1 || page.Items[0].ID != pm2.ID {
			t.Fatalf("second page filtered by buyer (%s): %s", q, b)
		}
	}
	resp, b = e.Do(t, "GET", "/buyers/payment-methods?buyer_id="+uuid.NewString(), "", w...)
	if got := vaulttest.Decode[struct{ Items []pmResp }](t, b); resp.StatusCode != 200 || len(got.Items) != 0 {
		t.Fatalf("unknown buyer's payment methods: %s", b)
	}

	// Deleting the buyer deletes its payment methods, not the others.
	resp, b = e.Do(t, "DELETE", "/buyers/"+buyer.ID, "", w...)
	vaulttest.WantStatus(t, resp, b, http.StatusNoContent)
	for _, id := range []string{pm1.ID, pm2.ID} {
		resp, b = e.Do(t, "GET", "/payment-methods/"+id, "", w...)
		assertError(t, resp, b, http.StatusNotFound, "not_found", "could not be found")
	}
	resp, b = e.Do(t, "GET", "/payment-methods/"+loose.ID, "", w...)
	vaulttest.WantStatus(t, resp, b, http.StatusOK)
	resp, b = e.Do(t, "GET", "/buyers/"+buyer.ID, "", w...)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "buyer")
	e.AssertLogClean(t, visaPAN)
}

func TestBuyerBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", forward.Options{})
	w := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead)}
	other := e.TenantKey(t, "acme")
	resp, b := e.Do(t, "POST", "/buyers", `{"display_name":"x"}`, "Authorization", "Bearer "+other)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	foreign := vaulttest.Decode[buyerResp](t, b)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code, pointer            string
	}{
		{"external identifier is a card number", "POST", "/buyers", `{"external_identifier":"4111 1111 1111 1111"}`, 400, "bad_request", "/external_identifier"},
		{"display name too long", "POST", "/buyers", `{"display_name":"` + strings.Repeat("x", 201) + `"}`, 400, "bad_request", "/display_name"},
		{"bad phone", "POST", "/buyers", `{"billing_details":{"phone_number":"0207"}}`, 400, "bad_request", "/billing_details.phone_number"},
		{"bad country", "POST", "/buyers", `{"billing_details":{"address":{"country":"gb"}}}`, 400, "bad_request", "/billing_details.address.country"},
		{"bad tax id kind", "POST", "/buyers", `{"billing_details":{"tax_id":{"value":"1","kind":"xx.yy"}}}`, 400, "bad_request", "/billing_details.tax_id.kind"},
		{"unknown field", "POST", "/buyers", `{"colour":"red"}`, 400, "bad_request", ""},
		{"buyer id not a UUID", "GET", "/buyers/buyer-1", "", 400, "bad_request", "/buyer_id"},
		{"another tenant's buyer", "GET", "/buyers/" + foreign.ID, "", 404, "not_found", ""},
		{"another tenant's buyer on a card", "POST", "/payment-methods", `{"number":"` + visaPAN + `","expiration_date":"12/39","buyer_id":"` + foreign.ID + `"}`, 404, "not_found", ""},
		{"buyer's methods without a buyer", "GET", "/buyers/payment-methods", "", 400, "bad_request", "/buyer_id"},
		{"unknown route under /buyers", "GET", "/buyers/" + foreign.ID + "/gift-cards", "", 404, "not_found", ""},
		{"unknown route under /checkout", "PATCH", "/checkout/sessions/" + foreign.ID + "/nothing", "", 404, "not_found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.Do(t, tc.method, tc.path, tc.body, w...)
			ge := assertError(t, resp, b, tc.status, tc.code, "")
			if tc.pointer != "" && (len(ge.Details) != 1 || ge.Details[0].Pointer != tc.pointer) {
				t.Errorf("details %s, want pointer %q", b, tc.pointer)
			}
			if strings.Contains(string(b), "4111") {
				t.Errorf("error echoes the card number: %s", b)
			}
		})
	}
	if cards, _ := e.Vault.ListCards(t.Context(), vault.DefaultTenant, vault.Page{}); len(cards) != 0 {
		t.Errorf("refused requests stored %d cards", len(cards))
	}
}
