package hyperswitch_test

import (
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
)

// TestExchangesMatchTheOpenAPIDocument drives the Hyperswitch facade's main
// flow (customer, saved card, updates, listing, network-token status,
// deletes) and refusals through a client that checks every exchange, and
// every request, against docs/hyperswitch.json, and wants every operation
// exercised (every other test's exchanges are checked too, by the test
// vault's apidoctest.Handler).
func TestExchangesMatchTheOpenAPIDocument(t *testing.T) {
	e := newEnv(t, nil)
	ntBody := seedPaymentMethod("{cus}", `, "network_tokenization": {"enable": "Enable"}`)
	v := apidoctest.New(t, "hyperswitch")
	v.Run(t, e.URL, []apidoctest.Step{
		{Method: "POST", Path: "/v2/customers", Body: seedCustomer, Status: 200, Save: map[string]string{"cus": "id"}},
		{Method: "GET", Path: "/v2/customers/list", Status: 200},
		{Method: "GET", Path: "/v2/customers/{cus}", Status: 200},
		{Method: "PUT", Path: "/v2/customers/{cus}", Body: `{"name":"Jane Doe","email":"jane@example.com"}`, Status: 200},
		{Method: "POST", Path: "/v2/payment-methods", Body: seedPaymentMethod("{cus}", ""), Status: 200, Save: map[string]string{"pm": "id"}},
		{Method: "GET", Path: "/v2/payment-methods/{pm}", Status: 200},
		{Method: "PUT", Path: "/v2/payment-methods/{pm}/update-saved-payment-method",
			Body: `{"payment_method_data":{"card":{"card_holder_name":"Zed Quux"}}}`, Status: 200},
		{Method: "GET", Path: "/v2/customers/{cus}/saved-payment-methods", Status: 200},
		{Method: "GET", Path: "/v2/payment-methods/{pm}/check-network-token-status", Status: 200},
		{Method: "POST", Path: "/v2/payment-methods", Body: withCard(ntBody, "5555555555554444", "Mastercard"), Status: 200,
			Save: map[string]string{"nt": "id"}},
		{Method: "GET", Path: "/v2/payment-methods/{nt}", Status: 200},
		{Method: "GET", Path: "/v2/payment-methods/{nt}/check-network-token-status", Status: 200},
		{Method: "POST", Path: "/v2/payment-methods", Body: withCard(ntBody, "3566002020360505", "JCB"), Status: 400},
		{Method: "DELETE", Path: "/v2/payment-methods/{nt}", Status: 200},
		{Method: "GET", Path: "/v2/payment-methods/pm_missing", Status: 404},
		{Method: "POST", Path: "/v2/customers", Body: `{"name":1}`, Status: 400},
		{Method: "DELETE", Path: "/v2/payment-methods/{pm}", Status: 200},
		{Method: "DELETE", Path: "/v2/customers/{cus}", Status: 200},
	}, "api-key", e.key)
	v.WantChecked(t, "POST /v2/customers", "GET /v2/customers/list", "GET /v2/customers/{id}", "PUT /v2/customers/{id}",
		"DELETE /v2/customers/{id}", "POST /v2/payment-methods", "GET /v2/payment-methods/{id}", "DELETE /v2/payment-methods/{id}",
		"PUT /v2/payment-methods/{id}/update-saved-payment-method", "GET /v2/customers/{id}/saved-payment-methods",
		"GET /v2/payment-methods/{payment_method_id}/check-network-token-status")
	v.Run(t, e.URL, []apidoctest.Step{{Method: "GET", Path: "/v2/customers/list", Status: 401}},
		"api-key", "wrong-key-"+strings.Repeat("x", 40))
}

// withCard is a seed body with another card number and network.
func withCard(body, pan, network string) string {
	return strings.NewReplacer(seedPAN, pan, `"card_network": "Visa"`, `"card_network": "`+network+`"`).Replace(body)
}
