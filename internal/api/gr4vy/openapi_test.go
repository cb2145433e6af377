package gr4vy_test

import (
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
)

// TestExchangesMatchTheOpenAPIDocument drives the Gr4vy facade's main flow
// (store a card, list, get, its network token's lifecycle, forward it to a
// loopback provider, delete) and
// its refusals through a client that checks every exchange against
// docs/gr4vy.json.
func TestExchangesMatchTheOpenAPIDocument(t *testing.T) {
	u := newUpstream(t, nil)
	e := newEnv(t, u.rule(), forward.Options{})
	key := e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead, vault.ScopeForward)
	auth := []string{"Authorization", "Bearer " + key}
	v := apidoctest.New(t, "gr4vy")
	v.Run(t, e.URL, []apidoctest.Step{
		{Method: "POST", Path: "/payment-methods", Body: `{"method":"card","number":"4111111111111111","expiration_date":"12/30","security_code":"123"}`,
			Status: 201, Save: map[string]string{"id": "id"}},
		{Method: "GET", Path: "/payment-methods", Status: 200},
		{Method: "GET", Path: "/payment-methods?limit=1", Status: 200},
		{Method: "GET", Path: "/payment-methods/{id}", Status: 200},
		{Method: "POST", Path: "/vault-forward", Body: `{"pan":"{{ CARD_NUMBER_1 }}"}`, Status: 200,
			Headers: []string{"X-Vault-Forward-Url", u.URL + "/charges", "X-Vault-Forward-Http-Method", "POST",
				"X-Vault-Forward-Payment-Methods", "{id}"}},
		{Method: "POST", Path: "/payment-methods/{id}/network-tokens", Body: `{"merchant_initiated":false,"is_subsequent_payment":false}`,
			Status: 201, Save: map[string]string{"nt": "id"}},
		{Method: "GET", Path: "/payment-methods/{id}/network-tokens", Status: 200},
		{Method: "POST", Path: "/payment-methods/{id}/network-tokens/{nt}/cryptogram", Body: `{"merchant_initiated":true}`, Status: 201},
		{Method: "POST", Path: "/payment-methods/{id}/network-tokens/{nt}/suspend", Status: 200},
		{Method: "POST", Path: "/payment-methods/{id}/network-tokens/{nt}/cryptogram", Body: `{"merchant_initiated":true}`, Status: 400},
		{Method: "POST", Path: "/payment-methods/{id}/network-tokens/{nt}/resume", Status: 200},
		{Method: "DELETE", Path: "/payment-methods/{id}/network-tokens/{nt}", Status: 204},
		{Method: "POST", Path: "/payment-methods/{id}/network-tokens/{nt}/resume", Status: 400},
		{Method: "POST", Path: "/payment-methods", Body: `{"method":"card","number":"4111111111111112","expiration_date":"12/30"}`, Status: 400},
		{Method: "GET", Path: "/payment-methods/00000000-0000-0000-0000-000000000000", Status: 404},
		{Method: "DELETE", Path: "/payment-methods/{id}", Status: 204},
	}, auth...)
	v.WantChecked(t, "POST /payment-methods", "GET /payment-methods", "GET /payment-methods/{payment_method_id}",
		"DELETE /payment-methods/{payment_method_id}", "POST /vault-forward",
		"GET /payment-methods/{payment_method_id}/network-tokens", "POST /payment-methods/{payment_method_id}/network-tokens",
		"POST /payment-methods/{payment_method_id}/network-tokens/{network_token_id}/cryptogram",
		"POST /payment-methods/{payment_method_id}/network-tokens/{network_token_id}/suspend",
		"POST /payment-methods/{payment_method_id}/network-tokens/{network_token_id}/resume",
		"DELETE /payment-methods/{payment_method_id}/network-tokens/{network_token_id}")
	v.Run(t, e.URL, []apidoctest.Step{{Method: "GET", Path: "/payment-methods", Status: 401}},
		"Authorization", "Bearer wrong-key-"+strings.Repeat("x", 40))
}
