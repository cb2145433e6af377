package hyperswitch_test

import (
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

func TestAuthenticationAndScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	reader := e.Key(t, vault.ScopeCardsRead)
	writer := e.Key(t, vault.ScopeCardsWrite)
	cus := e.newCustomer(t, "cus_1")
	for _, tc := range []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		code                     string
	}{
		{"no key", "GET", "/v2/customers/" + cus, "", nil, 401, "IR_01"},
		{"unknown key", "GET", "/v2/customers/" + cus, "", []string{"api-key", "cvk_nope"}, 401, "IR_01"},
		{"document's Authorization: api-key=", "GET", "/v2/customers/" + cus, "", []string{"Authorization", "api-key=" + e.key}, 200, ""},
		{"seed's api-key header", "GET", "/v2/customers/" + cus, "", []string{"api-key", e.key}, 200, ""},
		{"reader reads", "GET", "/v2/customers/" + cus, "", []string{"api-key", reader}, 200, ""},
		{"reader cannot write", "POST", "/v2/customers", `{"name":"a","email":"a@b.co"}`, []string{"api-key", reader}, 403, "IR_22"},
		{"reader cannot save cards", "POST", "/v2/payment-methods", seedPaymentMethod(cus, ""), []string{"api-key", reader}, 403, "IR_22"},
		{"writer cannot read", "GET", "/v2/customers/" + cus, "", []string{"api-key", writer}, 403, "IR_22"},
		{"writer writes", "DELETE", "/v2/customers/" + cus, "", []string{"api-key", writer}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := e.Do(t, tc.method, tc.path, tc.body, tc.headers...)
			if resp.StatusCode != tc.status || (tc.code != "" && errCode(t, b) != tc.code) {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, b, tc.status, tc.code)
			}
			if tc.status == 401 && !strings.Contains(resp.Header.Get("WWW-Authenticate"), "api-key") {
				t.Errorf("no WWW-Authenticate: %v", resp.Header)
			}
		})
	}
	if cards, pms := e.counts(t); cards != 0 || pms != 0 {
		t.Errorf("refused requests saved %d cards, %d payment methods", cards, pms)
	}
}

func TestRoutingErrorsUseHyperswitchShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, tc := range []struct {
		method, path, body string
		headers            []string
		status             int
		code               string
	}{
		{"GET", "/v2/tokenize", "", nil, 404, "IR_02"},
		{"POST", "/v2/customers/vault_cus_1", "{}", nil, 405, "IR_03"},
		{"POST", "/v2/customers", `{"name":"` + strings.Repeat("a", 70<<10) + `"}`, nil, 413, "IR_06"},
		{"POST", "/v2/customers", "name=a", []string{"Content-Type", "application/x-www-form-urlencoded"}, 400, "IR_06"},
		// A JSON body sent as another type is refused as Hyperswitch does.
		{"POST", "/v2/customers", `{"name":"a","email":"a@b.co"}`, []string{"Content-Type", "text/plain"}, 400, "IR_06"},
		{"POST", "/v2/customers", `{"name":"a","email":"a@b.co"}`, []string{"Content-Type", "text/plain; charset=utf-8"}, 400, "IR_06"},
		{"POST", "/v2/customers", `{"name":"a","email":"a@b.co"}`, []string{"Content-Type", "application/xml"}, 400, "IR_06"},
		{"POST", "/v2/customers", `{"name":"a","email":"a@b.co"}`, []string{"Content-Type", "json"}, 400, "IR_06"},
		{"POST", "/v2/payment-methods", `{"payment_method_type":"card"}`, []string{"Content-Type", "text/plain"}, 400, "IR_06"},
		{"PATCH", "/v2/payment-methods/vault_pm_00000000000000000000000000000000/update-saved-payment-method", `{}`, []string{"Content-Type", "text/plain"}, 400, "IR_06"},
	} {
		resp, b := e.Do(t, tc.method, tc.path, tc.body, append([]string{"api-key", e.key}, tc.headers...)...)
		if resp.StatusCode != tc.status || errCode(t, b) != tc.code {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, resp.StatusCode, b, tc.status, tc.code)
		}
	}
}

func TestLogsHoldNoCardOrPersonalData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cus := e.newCustomer(t, "cus_1")
	pm := e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, ""))["id"].(string)
	e.must(t, "GET", "/v2/payment-methods/"+pm, "")
	e.must(t, "PATCH", "/v2/payment-methods/"+pm+"/update-saved-payment-method", `{"payment_method_data":{"card":{"card_holder_name":"Zed Quux","card_cvc":"987"}}}`)
	e.must(t, "GET", "/v2/customers/"+cus+"/saved-payment-methods", "")
	if status, _ := e.call(t, "GET", "/v2/customers/list", ""); status != 200 {
		t.Errorf("list: %d", status)
	}
	// Failures that carry card data in the request.
	e.call(t, "POST", "/v2/payment-methods", strings.Replace(seedPaymentMethod(cus, ""), seedPAN, "4111111145551143", 1))
	e.call(t, "POST", "/v2/payment-methods", strings.Replace(seedPaymentMethod(cus, ""), `"card_exp_month": "10"`, `"card_exp_month": "13"`, 1))
	e.call(t, "GET", "/v2/payment-methods/"+seedPAN, "")
	e.call(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, "")[:200])
	e.must(t, "DELETE", "/v2/customers/"+cus, "")
	e.AssertLogClean(t, seedPAN, "4111111145551143", `"242"`, `"987"`, seedName, "Zed Quux", seedEmail, "abc@gmail.com",
		"999999999", "9123456789", "Harrison Street", "King Street", "joseph")
	if !strings.Contains(e.Log.String(), `"route"`) {
		t.Error("the access log is empty; the scan proves nothing")
	}
}
