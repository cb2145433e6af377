package gr4vy_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestUpdatePaymentMethod(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", forward.Options{})
	w := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead)}
	resp, b := e.Do(t, "POST", "/payment-methods", `{"number":"`+visaPAN+`","expiration_date":"12/39","external_identifier":"a"}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	pm := vaulttest.Decode[pmResp](t, b)
	_, b = e.Do(t, "POST", "/buyers", `{"external_identifier":"shopper"}`, w...)
	buyer := vaulttest.Decode[buyerResp](t, b)
	path := "/payment-methods/" + pm.ID

	resp, b = e.Do(t, "PUT", path, `{"expiration_date":"01/40","external_identifier":"b","buyer_external_identifier":"shopper"}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusOK)
	got := vaulttest.Decode[struct {
		ExpirationDate     string  `json:"expiration_date"`
		ExternalIdentifier *string `json:"external_identifier"`
		Buyer              *buyerResp
	}](t, b)
	if got.ExpirationDate != "01/40" || *got.ExternalIdentifier != "b" || got.Buyer == nil || got.Buyer.ID != buyer.ID {
		t.Fatalf("update: %s", b)
	}
	_, b = e.Do(t, "GET", "/buyers/payment-methods?buyer_id="+buyer.ID, "", w...)
	if !strings.Contains(string(b), pm.ID) {
		t.Fatalf("the buyer does not list its new card: %s", b)
	}
	resp, b = e.Do(t, "PUT", path, `{"external_identifier":null,"buyer_id":null}`, w...)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"external_identifier":null`) || !strings.Contains(string(b), `"buyer":null`) {
		t.Fatalf("clear: %d %s", resp.StatusCode, b)
	}
	for _, tc := range []struct{ name, body, pointer string }{
		{"expiry format", `{"expiration_date":"1/40"}`, "/expiration_date"},
		{"expired", `{"expiration_date":"01/20"}`, "/expiration_date"},
		{"card number as identifier", `{"external_identifier":"4111-1111-1111-1111"}`, "/external_identifier"},
		{"transaction data", `{"transaction_link_id":"t-1"}`, "/transaction_link_id"},
		{"the number", `{"number":"` + visaPAN + `"}`, ""},
	} {
		resp, b := e.Do(t, "PUT", path, tc.body, w...)
		ge := assertError(t, resp, b, http.StatusBadRequest, "bad_request", "")
		if tc.pointer != "" && (len(ge.Details) != 1 || ge.Details[0].Pointer != tc.pointer) {
			t.Errorf("%s: %s", tc.name, b)
		}
		if strings.Contains(string(b), "4111") {
			t.Errorf("%s: error echoes the card number: %s", tc.name, b)
		}
	}
	resp, b = e.Do(t, "PUT", "/payment-methods/"+buyer.ID, `{"expiration_date":"01/40"}`, w...)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "payment method")
}
