package hyperswitch_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

func TestPaymentMethodLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pro := []string{"x-profile-id", "pro_abcdefghijklmnop"}
	cus := e.newCustomer(t, "customer_1742551597", pro...)

	status, b := e.call(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, ""), pro...)
	if status != 200 {
		t.Fatalf("create: %d %s", status, b)
	}
	for _, secret := range []string{seedPAN, `"242"`, `"card_number"`, `"card_cvc"`, "raw_payment_method_data"} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("create answered %q: %s", secret, b)
		}
	}
	pm := obj(t, b)
	id := pm["id"].(string)
	for path, want := range map[string]any{
		"customer_id": cus, "merchant_id": vault.DefaultTenant, "payment_method_type": "card", "payment_method_subtype": "credit",
		"storage_type": "persistent", "payment_method_data.card.last4_digits": "1142", "payment_method_data.card.card_isin": "411111",
		"payment_method_data.card.expiry_month": "10", "payment_method_data.card.expiry_year": "2035",
		"payment_method_data.card.card_holder_name": seedName, "payment_method_data.card.nick_name": seedName,
		"payment_method_data.card.card_network": "Visa", "payment_method_data.card.issuer_country": "AF",
		"payment_method_data.card.card_issuer": "<string>", "payment_method_data.card.card_type": "credit",
		"payment_method_data.card.saved_to_locker": true, "card_cvc_token_storage.is_stored": true,
		"billing.address.city": "New York", "billing.email": "abc@gmail.com",
	} {
		if got := at(pm, path); got != want {
			t.Errorf("create: %s = %v, want %v", path, got, want)
		}
	}
	if !strings.HasPrefix(id, "vault_pm_") || at(pm, "created") == nil || at(pm, "card_cvc_token_storage.expires_at") == nil {
		t.Errorf("create answered %s", b)
	}

	got := e.must(t, "GET", "/v2/payment-methods/"+id, "", pro...)
	if at(got, "payment_method_data.card.last4_digits") != "1142" || got["created"] != pm["created"] {
		t.Errorf("retrieve answered %v", got)
	}

	// The seed's update, with PATCH; the document's PUT works the same.
	upd := e.must(t, "PATCH", "/v2/payment-methods/"+id+"/update-saved-payment-method", `{
  "payment_method_data": {"card": {"card_holder_name": "John Q Doe", "nick_name": "Travel card"}},
  "connector_token_details": {"token": "pm_9UhMqBMEOooRIvJFFdeW", "connector_token_request_reference_id": "<string>"}
}`, pro...)
	if at(upd, "payment_method_data.card.card_holder_name") != "John Q Doe" || at(upd, "payment_method_data.card.nick_name") != "Travel card" ||
		at(upd, "connector_tokens.0.token") != "pm_9UhMqBMEOooRIvJFFdeW" || at(upd, "connector_tokens.0.connector_token_request_reference_id") != "<string>" {
		t.Errorf("PATCH answered %v", upd)
	}
	put := e.must(t, "PUT", "/v2/payment-methods/"+id+"/update-saved-payment-method",
		`{"payment_method_data":{"card":{"card_holder_name":"John Doe","card_exp_month":"3","card_exp_year":"2036","card_cvc":"321"}},"network_transaction_id":"nti_1"}`, pro...)
	if at(put, "payment_method_data.card.expiry_month") != "03" || at(put, "payment_method_data.card.expiry_year") != "2036" ||
		at(put, "payment_method_data.card.nick_name") != "Travel card" || put["network_transaction_id"] != "nti_1" ||
		at(put, "payment_method_data.card.last4_digits") != "1142" {
		t.Errorf("PUT answered %v", put)
	}
	code, err := e.Vault.SecurityCode(context.Background(), vault.DefaultTenant, e.cardOf(t, id, pro...))
	if err != nil || code.Digits() != "321" {
		t.Errorf("the new security code is not held: %v", err)
	}

	list := e.must(t, "GET", "/v2/customers/"+cus+"/saved-payment-methods", "", pro...)
	if at(list, "customer_payment_methods.0.id") != id || at(list, "customer_payment_methods.0.requires_cvv") != false ||
		at(list, "customer_payment_methods.0.payment_method_data.card.last4_digits") != "1142" ||
		at(list, "customer_payment_methods.0.psp_tokenization_enabled") != true || at(list, "customer_payment_methods.1") != nil {
		t.Errorf("list answered %v", list)
	}
	e.must(t, "PUT", "/v2/customers/"+cus, `{"default_payment_method_id":"`+id+`"}`, pro...)
	if list := e.must(t, "GET", "/v2/customers/"+cus+"/saved-payment-methods", "", pro...); at(list, "customer_payment_methods.0.is_default") != true {
		t.Errorf("default not shown: %v", list)
	}

	del := e.must(t, "DELETE", "/v2/payment-methods/"+id, "", pro...)
	if del["id"] != id {
		t.Errorf("delete answered %v", del)
	}
	if status, b := e.call(t, "GET", "/v2/payment-methods/"+id, "", pro...); status != 404 || errCode(t, b) != "HE_02" {
		t.Errorf("get after delete: %d %s", status, b)
	}
	if cards, pms := e.counts(t); cards != 0 || pms != 0 {
		t.Errorf("delete left %d cards, %d payment methods", cards, pms)
	}
	if c := e.must(t, "GET", "/v2/customers/"+cus, "", pro...); c["default_payment_method_id"] != nil {
		t.Errorf("the deleted payment method is still the default: %v", c)
	}
}

// cardOf returns the id of a payment method's card, from the store.
func (e *env) cardOf(t *testing.T, pmID string, headers ...string) string {
	t.Helper()
	profile := "pro_default"
	if len(headers) == 2 {
		profile = headers[1]
	}
	pm, err := e.Customers.GetPaymentMethod(context.Background(), vault.DefaultTenant, profile, pmID)
	if err != nil {
		t.Fatal(err)
	}
	return pm.Card.ID
}

func TestSameCardTwiceReturnsTheExistingPaymentMethod(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cus := e.newCustomer(t, "cus_1")
	first := e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, ""))
	// Same number, written with spaces, another holder and expiry: still the same card.
	second := e.must(t, "POST", "/v2/payment-methods", cardBody(cus, "4111 1111 4555 1142", "12", "2039"))
	if first["id"] != second["id"] || at(second, "payment_method_data.card.expiry_year") != "2035" {
		t.Errorf("second save answered %v, first %v", second["id"], first["id"])
	}
	if cards, pms := e.counts(t); cards != 1 || pms != 1 {
		t.Errorf("store holds %d cards, %d payment methods", cards, pms)
	}
	found, err := e.Vault.FindCards(context.Background(), vault.DefaultTenant, mustPAN(t, seedPAN))
	if err != nil || len(found) != 1 {
		t.Errorf("fingerprint finds %d cards, %v", len(found), err)
	}
	// Another customer saving it gets a payment method of its own.
	other := e.newCustomer(t, "cus_2")
	third := e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(other, ""))
	if third["id"] == first["id"] {
		t.Error("another customer got the first customer's payment method")
	}
}

func mustPAN(t *testing.T, s string) card.PAN {
	t.Helper()
	p, err := card.ParsePAN(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Profiles are namespaces: another profile's objects answer 404 like
// missing ones (but see TestProfileIsNotAnAccessBoundary).
func TestProfileIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	a := []string{"x-profile-id", "pro_a"}
	b := []string{"x-profile-id", "pro_b"}
	cus := e.newCustomer(t, "cus_1", a...)
	pm := e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, ""), a...)["id"].(string)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/v2/customers/" + cus, ""},
		{"PUT", "/v2/customers/" + cus, `{"name":"x"}`},
		{"DELETE", "/v2/customers/" + cus, ""},
		{"GET", "/v2/customers/" + cus + "/saved-payment-methods", ""},
		{"POST", "/v2/payment-methods", seedPaymentMethod(cus, "")},
		{"GET", "/v2/payment-methods/" + pm, ""},
		{"PATCH", "/v2/payment-methods/" + pm + "/update-saved-payment-method", `{"payment_method_data":{"card":{"card_holder_name":"x"}}}`},
		{"DELETE", "/v2/payment-methods/" + pm, ""},
		{"GET", "/v2/payment-methods/" + pm + "/check-network-token-status", ""},
	} {
		for name, hs := range map[string][]string{"other profile": b, "default profile": nil} {
			if status, body := e.call(t, tc.method, tc.path, tc.body, hs...); status != 404 || errCode(t, body) != "HE_02" {
				t.Errorf("%s %s from the %s: %d %s", tc.method, tc.path, name, status, body)
			}
		}
	}
	if status, body := e.call(t, "GET", "/v2/customers/list", "", b...); status != 200 || string(bytes.TrimSpace(body)) != "[]" {
		t.Errorf("list from another profile: %d %s", status, body)
	}
	// Another tenant's key sees nothing either.
	other := e.TenantKey(t, "other")
	resp, body := e.Do(t, "GET", "/v2/customers/"+cus, "", "api-key", other, "x-profile-id", "pro_a")
	if resp.StatusCode != 404 {
		t.Errorf("another tenant: %d %s", resp.StatusCode, body)
	}
	if got := e.must(t, "GET", "/v2/payment-methods/"+pm, "", a...); at(got, "payment_method_data.card.card_holder_name") != seedName {
		t.Errorf("a refused request changed the payment method: %v", got)
	}
	if cards, pms := e.counts(t); cards != 1 || pms != 1 {
		t.Errorf("store holds %d cards, %d payment methods", cards, pms)
	}
}

// The documented security model: the tenant is the boundary, a profile is
// a namespace the caller picks. Any key of the tenant, made for no profile
// in particular, reads another profile's objects by naming the profile;
// another tenant's key does not, whatever profile it names.
func TestProfileIsNotAnAccessBoundary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	shop := []string{"x-profile-id", "pro_shop"}
	cus := e.newCustomer(t, "cus_1", shop...)
	pm := e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, ""), shop...)["id"].(string)
	reader := e.Key(t, vault.ScopeCardsRead)
	for _, path := range []string{"/v2/customers/" + cus, "/v2/payment-methods/" + pm} {
		if resp, b := e.Do(t, "GET", path, "", "api-key", reader, "x-profile-id", "pro_shop"); resp.StatusCode != 200 {
			t.Errorf("another key of the tenant naming the profile: %d %s", resp.StatusCode, b)
		}
		if resp, b := e.Do(t, "GET", path, "", "api-key", e.TenantKey(t, "other"), "x-profile-id", "pro_shop"); resp.StatusCode != 404 {
			t.Errorf("another tenant naming the profile: %d %s", resp.StatusCode, b)
		}
	}
}

func TestCardNumberIsImmutable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cus := e.newCustomer(t, "cus_1")
	id := e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, ""))["id"].(string)
	for _, method := range []string{"PATCH", "PUT"} {
		status, b := e.call(t, method, "/v2/payment-methods/"+id+"/update-saved-payment-method",
			`{"payment_method_data":{"card":{"card_number":"5555555555554444","card_holder_name":"Mallory"}}}`)
		if status != 400 || errCode(t, b) != "IR_19" || bytes.Contains(b, []byte("5555555555554444")) {
			t.Errorf("%s with a card number: %d %s", method, status, b)
		}
	}
	got := e.must(t, "GET", "/v2/payment-methods/"+id, "")
	if at(got, "payment_method_data.card.last4_digits") != "1142" || at(got, "payment_method_data.card.card_holder_name") != seedName {
		t.Errorf("the card changed: %v", got)
	}
	rc, err := e.Vault.RevealCard(context.Background(), vault.DefaultTenant, e.cardOf(t, id))
	if err != nil || rc.PAN.Digits() != seedPAN {
		t.Errorf("the stored number changed: %v", err)
	}
}

func TestBadPaymentMethodInputSavesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cus := e.newCustomer(t, "cus_1")
	seed := seedPaymentMethod(cus, "")
	replace := func(old, new string) string {
		if !strings.Contains(seed, old) {
			t.Fatalf("seed body lacks %q", old)
		}
		return strings.Replace(seed, old, new, 1)
	}
	for _, tc := range []struct {
		name, body, code string
		status           int
	}{
		{"unknown customer", replace(cus, "vault_cus_00000000000000000000000000000000"), "HE_02", 404},
		{"invalid card number", replace(seedPAN, "4111111145551143"), "IR_05", 400},
		{"letters in card number", replace(seedPAN, "4111x11145551142"), "IR_05", 400},
		{"expiry in the past", replace(`"card_exp_year": "35"`, `"card_exp_year": "21"`), "IR_05", 400},
		{"month 13", replace(`"card_exp_month": "10"`, `"card_exp_month": "13"`), "IR_05", 400},
		{"three-digit year", replace(`"card_exp_year": "35"`, `"card_exp_year": "203"`), "IR_05", 400},
		{"unknown payment_method_type", replace(`"payment_method_type": "card"`, `"payment_method_type": "cheque"`), "IR_07", 400},
		{"wallet payment_method_type", replace(`"payment_method_type": "card"`, `"payment_method_type": "wallet"`), "IR_19", 400},
		{"unknown subtype", replace(`"payment_method_subtype": "credit"`, `"payment_method_subtype": "gold"`), "IR_07", 400},
		{"malformed JSON", seed[:len(seed)-3], "IR_06", 400},
		{"unknown field", replace(`"metadata": {}`, `"metadata": {}, "colour": "red"`), "IR_06", 400},
		{"number as JSON number", replace(`"card_number": "4111111145551142"`, `"card_number": 4111111145551142`), "IR_06", 400},
		{"bad cvc", replace(`"card_cvc": "242"`, `"card_cvc": "24"`), "IR_05", 400},
		{"bad issuing country", replace(`"card_issuing_country": "AF"`, `"card_issuing_country": "ZZ"`), "IR_07", 400},
		{"bad network", replace(`"card_network": "Visa"`, `"card_network": "VISA"`), "IR_07", 400},
		{"bad card type", replace(`"card_type": "credit"`, `"card_type": "prepaid"`), "IR_07", 400},
		{"bad billing email", replace(`"abc@gmail.com"`, `"abc"`), "IR_05", 400},
		{"missing card", `{"payment_method_type":"card","customer_id":"` + cus + `","payment_method_data":{}}`, "IR_04", 400},
		{"missing customer", `{"payment_method_type":"card","payment_method_data":{"card":{"card_number":"4111111111111111"}}}`, "IR_04", 400},
		{"missing type", `{"customer_id":"` + cus + `"}`, "IR_04", 400},
		{"volatile storage", replace(`"metadata": {}`, `"metadata": {}, "storage_type": "volatile"`), "IR_19", 400},
		{"unknown connector", seedPaymentMethod(cus, `, "psp_tokenization": {"tokenization_type": "multi_use", "connector_id": "nope"}`), "IR_07", 400},
		{"bad tokenization type", seedPaymentMethod(cus, `, "psp_tokenization": {"tokenization_type": "forever", "connector_id": "nope"}`), "IR_07", 400},
		{"bad network tokenization", seedPaymentMethod(cus, `, "network_tokenization": {"enable": "yes"}`), "IR_07", 400},
		{"proxy card", `{"payment_method_type":"card","customer_id":"` + cus + `","payment_method_data":{"proxy_card":{"card_number":"tok_1"}}}`, "IR_19", 400},
		{"empty body", "", "IR_06", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, b := e.call(t, "POST", "/v2/payment-methods", tc.body)
			if status != tc.status || errCode(t, b) != tc.code {
				t.Errorf("%d %s, want %d %s", status, b, tc.status, tc.code)
			}
			if bytes.Contains(b, []byte("4111111145551142")) || bytes.Contains(b, []byte("4111111145551143")) {
				t.Errorf("the error repeats the card number: %s", b)
			}
			if cards, pms := e.counts(t); cards != 0 || pms != 0 {
				t.Errorf("saved %d cards, %d payment methods", cards, pms)
			}
		})
	}
}

func TestBadUpdateChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cus := e.newCustomer(t, "cus_1")
	id := e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, ""))["id"].(string)
	path := "/v2/payment-methods/" + id + "/update-saved-payment-method"
	for _, tc := range []struct{ name, body, code string }{
		{"expiry in the past", `{"payment_method_data":{"card":{"card_exp_month":"1","card_exp_year":"2020"}}}`, "IR_05"},
		{"month 13", `{"payment_method_data":{"card":{"card_exp_month":"13","card_exp_year":"2036"}}}`, "IR_05"},
		{"month without year", `{"payment_method_data":{"card":{"card_exp_month":"1"}}}`, "IR_04"},
		{"network", `{"payment_method_data":{"card":{"card_network":"Mastercard"}}}`, "IR_19"},
		{"empty token", `{"connector_token_details":{"token":""}}`, "IR_04"},
		{"bad acknowledgement", `{"acknowledgement_status":"maybe"}`, "IR_07"},
		{"malformed JSON", `{"payment_method_data":`, "IR_06"},
	} {
		if status, b := e.call(t, "PATCH", path, tc.body); status != 400 || errCode(t, b) != tc.code {
			t.Errorf("%s: %d %s, want 400 %s", tc.name, status, b, tc.code)
		}
	}
	got := e.must(t, "GET", "/v2/payment-methods/"+id, "")
	if at(got, "payment_method_data.card.expiry_year") != "2035" || got["connector_tokens"] != nil {
		t.Errorf("a failed update changed the payment method: %v", got)
	}
	if status, b := e.call(t, "PATCH", "/v2/payment-methods/vault_pm_00000000000000000000000000000000/update-saved-payment-method",
		`{"payment_method_data":{"card":{"card_holder_name":"x"}}}`); status != 404 || errCode(t, b) != "HE_02" {
		t.Errorf("unknown payment method: %d %s", status, b)
	}
}

// TestNetworkTokenizationIsNotEnabled: in a vault without a token service,
// network_tokenization is in every payment method answer, the same one,
// whether a network token was asked for or not, on a new card or one
// already saved, and on reads.
func TestNetworkTokenizationIsNotEnabled(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, nil, false)
	cus := e.newCustomer(t, "cus_1")
	want := func(name string, pm map[string]any) {
		t.Helper()
		nt, _ := pm["network_tokenization"].(map[string]any)
		if len(nt) != 2 || nt["status"] != "not_enabled" || nt["message"] == "" || pm["network_token"] != nil {
			t.Errorf("%s: network_tokenization %v, network_token %v", name, pm["network_tokenization"], pm["network_token"])
		}
	}
	// Saved first without asking, then again asking: the same answer.
	plain := e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, ""))
	want("new card, not asked", plain)
	again := e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, `, "network_tokenization": {"enable": "Enable"}`))
	if again["id"] != plain["id"] {
		t.Fatalf("the same card saved twice: %v and %v", plain["id"], again["id"])
	}
	want("saved card, asked", again)
	// Saved first asking, then again without: the same answer.
	withNT := func(enable string) string {
		return strings.Replace(cardBody(cus, "5555555555554444", "1", "40"), `"payment_method_data"`,
			`"network_tokenization":{"enable":"`+enable+`"},"payment_method_data"`, 1)
	}
	asked := e.must(t, "POST", "/v2/payment-methods", withNT("Enable"))
	want("new card, asked", asked)
	want("saved card, skipped", e.must(t, "POST", "/v2/payment-methods", withNT("Skip")))
	want("read", e.must(t, "GET", "/v2/payment-methods/"+plain["id"].(string), ""))
	if at(asked, "payment_method_data.card.last4_digits") != "4444" {
		t.Errorf("create answered %v", asked)
	}
	st := e.must(t, "GET", "/v2/payment-methods/"+asked["id"].(string)+"/check-network-token-status", "")
	if st["type"] != "failure_response" || st["error_message"] == "" {
		t.Errorf("status answered %v", st)
	}
}

func TestDeletingCustomerDeletesItsPaymentMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cus := e.newCustomer(t, "cus_1")
	e.must(t, "POST", "/v2/payment-methods", seedPaymentMethod(cus, ""))
	e.must(t, "POST", "/v2/payment-methods", cardBody(cus, "5555555555554444", "1", "40"))
	if cards, pms := e.counts(t); cards != 2 || pms != 2 {
		t.Fatalf("store holds %d cards, %d payment methods", cards, pms)
	}
	if d := e.must(t, "DELETE", "/v2/customers/"+cus, ""); d["payment_methods_deleted"] != true {
		t.Errorf("delete answered %v", d)
	}
	if cards, pms := e.counts(t); cards != 0 || pms != 0 {
		t.Errorf("delete left %d cards, %d payment methods", cards, pms)
	}
}
