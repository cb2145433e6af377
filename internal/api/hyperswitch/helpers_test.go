package hyperswitch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/api/hyperswitch"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// Values from the seed document's examples. The seed's expiry (10/25) has
// passed, so the tests use 10/35.
const (
	seedPAN   = "4111111145551142"
	seedCVC   = "242"
	seedName  = "John Doe"
	seedEmail = "guest@example.com"
)

// seedCustomer is the seed's POST /v2/customers body.
const seedCustomer = `{
    "merchant_reference_id": "customer_1742551597",
    "name": "John Doe",
    "email": "guest@example.com",
    "phone": "999999999",
    "phone_country_code": "+65",
    "description": "First customer",
    "default_billing_address": {
        "line1": "1467", "line2": "Harrison Street", "line3": "Harrison Street",
        "city": "San Fransico", "state": "California", "zip": "94122", "country": "US",
        "first_name": "joseph", "last_name": "Doe"
    },
    "default_shipping_address": {
        "line1": "1467", "line2": "Harrison Street", "line3": "Harrison Street",
        "city": "San Fransico", "state": "California", "zip": "94122", "country": "US",
        "first_name": "joseph", "last_name": "Doe"
    },
    "metadata": {"udf1": "value1", "new_customer": "true", "login_date": "2019-09-10T10:11:12Z"}
}`

// seedPaymentMethod is the seed's POST /v2/payment-methods body for a
// customer, with extra members spliced in before the closing brace.
func seedPaymentMethod(customer, extra string) string {
	return fmt.Sprintf(`{
  "payment_method_type": "card",
  "payment_method_subtype": "credit",
  "metadata": {},
  "customer_id": %q,
  "payment_method_data": {
    "card": {
      "card_number": "4111111145551142",
      "card_exp_month": "10",
      "card_exp_year": "35",
      "card_holder_name": "John Doe",
      "nick_name": "John Doe",
      "card_issuing_country": "AF",
      "card_network": "Visa",
      "card_issuer": "<string>",
      "card_type": "credit",
      "card_cvc": "242"
    }
  },
  "billing": {
    "address": {"city": "New York", "country": "AF", "line1": "123, King Street", "line2": "Powelson Avenue",
      "line3": "Bridgewater", "zip": "08807", "state": "New York", "first_name": "John", "last_name": "Doe"},
    "phone": {"number": "9123456789", "country_code": "+1"},
    "email": "abc@gmail.com"
  }%s
}`, customer, extra)
}

// cardBody is a small payment method body for one card number and expiry.
func cardBody(customer, pan, month, year string) string {
	return fmt.Sprintf(`{"payment_method_type":"card","customer_id":%q,"payment_method_data":{"card":`+
		`{"card_number":%q,"card_exp_month":%q,"card_exp_year":%q,"card_holder_name":"Ann Lee","card_cvc":"123"}}}`,
		customer, pan, month, year)
}

// env is a vault with the Hyperswitch facade and a merchant key.
type env struct {
	*vaulttest.Env
	key string
}

// newEnv starts a vault with the sandbox token service; connectors may be
// nil.
func newEnv(t *testing.T, connectors api.Tokenizer) *env {
	t.Helper()
	return newEnvWith(t, connectors, true)
}

// newEnvWith starts a vault; connectors may be nil, and withTSP says
// whether it has a (sandbox) token service.
func newEnvWith(t *testing.T, connectors api.Tokenizer, withTSP bool) *env {
	t.Helper()
	e := vaulttest.New(t, vaulttest.Options{MaxBody: 64 << 10, Facades: func(d vaulttest.Deps) []server.Facade {
		if connectors != nil {
			d.Connectors = connectors
		}
		if !withTSP {
			d.NetworkTokens = nil
		}
		return []server.Facade{hyperswitch.New(d)}
	}})
	return &env{Env: e, key: e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead)}
}

// call sends a request as the merchant (api-key header) and returns status
// and body; the test vault checks every exchange against the OpenAPI
// document (apidoctest.Handler).
func (e *env) call(t *testing.T, method, path, body string, headers ...string) (int, []byte) {
	t.Helper()
	resp, b := e.Do(t, method, path, body, append([]string{"api-key", e.key}, headers...)...)
	return resp.StatusCode, b
}

// must is call that fails the test unless the answer is 200.
func (e *env) must(t *testing.T, method, path, body string, headers ...string) map[string]any {
	t.Helper()
	status, b := e.call(t, method, path, body, headers...)
	if status != 200 {
		t.Fatalf("%s %s: %d %s", method, path, status, b)
	}
	return obj(t, b)
}

// newCustomer creates a customer with the seed's body and a fresh reference.
func (e *env) newCustomer(t *testing.T, ref string, headers ...string) string {
	t.Helper()
	body := strings.Replace(seedCustomer, "customer_1742551597", ref, 1)
	return e.must(t, "POST", "/v2/customers", body, headers...)["id"].(string)
}

// counts reports how many cards and payment methods the store holds.
func (e *env) counts(t *testing.T) (cards, pms int) {
	t.Helper()
	ctx := context.Background()
	cs, err := e.Store.ListCards(ctx, vault.DefaultTenant, vault.Page{Limit: 1000}, e.Vault.Now())
	if err != nil {
		t.Fatal(err)
	}
	rs, err := e.Store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindPaymentMethod, Page: vault.Page{Limit: 1000}}, e.Vault.Now())
	if err != nil {
		t.Fatal(err)
	}
	return len(cs), len(rs)
}

// obj decodes a JSON object.
func obj(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

// at reads a dotted path (a.b.0.c) of a decoded JSON value.
func at(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// errCode returns error.code of an error body.
func errCode(t testing.TB, b []byte) string {
	t.Helper()
	c, _ := at(obj(t, b), "error.code").(string)
	return c
}
