package hyperswitch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// servedPaths are the document's paths that cardvault serves.
var servedPaths = []string{
	"/v2/customers", "/v2/customers/list", "/v2/customers/{id}", "/v2/customers/{id}/saved-payment-methods",
	"/v2/payment-methods", "/v2/payment-methods/{id}", "/v2/payment-methods/{id}/update-saved-payment-method",
	"/v2/payment-methods/{payment_method_id}/check-network-token-status",
}

// specFile is Hyperswitch's v2 OpenAPI document, copied unchanged from
// shared/reference so the test needs nothing outside the repository.
const specFile = "testdata/hyperswitch-openapi.json"

// specRouter loads the document once per test binary (it is 900 KB).
var specRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(specFile)
	if err != nil {
		return nil, err
	}
	patchSpec(doc)
	// The vendor's examples and defaults do not all match their own
	// schemas (e.g. RefundsCreateRequest's default "Instant"); they are not
	// ours to check.
	return legacy.NewRouter(doc, openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation())
})

// patchSpec corrects the document where it is wrong or where cardvault
// deliberately answers otherwise; docs/compat/hyperswitch.md lists each.
func patchSpec(doc *openapi3.T) {
	// 0. Keep the operations cardvault serves; others (payments, refunds,
	//    payment-method intents, …) have flaws of their own, such as an
	//    {id} parameter on /v2/payment-methods/create-intent.
	paths := openapi3.NewPaths()
	for _, p := range servedPaths {
		paths.Set(p, doc.Paths.Value(p))
	}
	doc.Paths = paths
	// 1. update-saved-payment-method uses {id} without declaring it; the seed
	//    sends PATCH where the document says PUT: accept both.
	item := doc.Paths.Value("/v2/payment-methods/{id}/update-saved-payment-method")
	item.Put.Parameters = append(item.Put.Parameters,
		&openapi3.ParameterRef{Value: openapi3.NewPathParameter("id").WithSchema(openapi3.NewStringSchema())})
	item.Patch = patchOf(item.Put)
	// 2. cardvault also takes PATCH for a customer update.
	cus := doc.Paths.Value("/v2/customers/{id}")
	cus.Patch = patchOf(cus.Put)
	// 3. PaymentMethodResponse requires raw_payment_method_data (a CardDetail
	//    with number and cvc) and network_transaction_id; Hyperswitch's own
	//    code has both optional, and a vault never returns a card number or
	//    security code.
	s := doc.Components.Schemas["PaymentMethodResponse"].Value
	s.Required = slices.DeleteFunc(slices.Clone(s.Required), func(n string) bool {
		return n == "raw_payment_method_data" || n == "network_transaction_id"
	})
	// 4. Match requests by path, whatever host the test server has.
	doc.Servers = nil
}

// patchOf copies a PUT operation as the PATCH cardvault also accepts.
func patchOf(put *openapi3.Operation) *openapi3.Operation {
	op := *put
	op.OperationID += " (PATCH)"
	return &op
}

// TestSpecNeedsItsPatches proves each patch in patchSpec is still needed:
// the unpatched document has the flaws they fix.
func TestSpecNeedsItsPatches(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range servedPaths {
		if doc.Paths.Value(p) == nil {
			t.Errorf("the document lost %s", p)
		}
	}
	update := doc.Paths.Value("/v2/payment-methods/{id}/update-saved-payment-method")
	for _, p := range update.Put.Parameters {
		if p.Value.In == "path" {
			t.Error("the document now declares {id} on update-saved-payment-method: drop patch 1")
		}
	}
	if update.Patch != nil {
		t.Error("the document now has PATCH on update-saved-payment-method")
	}
	req := doc.Components.Schemas["PaymentMethodResponse"].Value.Required
	if !slices.Contains(req, "raw_payment_method_data") || !slices.Contains(req, "network_transaction_id") {
		t.Error("PaymentMethodResponse no longer requires raw card data: drop patch 3")
	}
}

// validate checks one exchange against the document: a 2xx response must
// be a status the operation declares, with a body matching its schema;
// every other response must be Hyperswitch's error shape.
func validate(t testing.TB, method, path string, status int, header http.Header, body []byte) {
	t.Helper()
	if status < 200 || status > 299 {
		checkErrorShape(t, method, path, status, body)
		return
	}
	if err := checkResponse(method, path, status, header, body); err != nil {
		t.Errorf("%s %s answered %d against the document: %v\nbody: %s", method, path, status, err, body)
	}
}

// checkResponse validates a response of an operation against the document.
func checkResponse(method, path string, status int, header http.Header, body []byte) error {
	router, err := specRouter()
	if err != nil {
		return fmt.Errorf("load the OpenAPI document: %w", err)
	}
	req, err := http.NewRequest(method, path, nil)
	if err != nil {
		return err
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("not an operation of the document: %w", err)
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}

// TestValidatorRejectsWhatTheDocumentForbids makes sure the response check
// can fail: wrong status, missing required field, wrong type, bad enum.
func TestValidatorRejectsWhatTheDocumentForbids(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}}
	good := `{"id":"vault_cus_0123456789abcdef0123456789abcdef","merchant_reference_id":"r","created_at":"2024-02-24T11:04:09.922Z"}`
	if err := checkResponse("GET", "/v2/customers/x", 200, h, []byte(good)); err != nil {
		t.Fatalf("a valid customer fails: %v", err)
	}
	for name, tc := range map[string]struct {
		method, path string
		status       int
		body         string
	}{
		"undeclared status": {"POST", "/v2/customers", 201, good},
		"no created_at":     {"GET", "/v2/customers/x", 200, `{"id":"vault_cus_0123456789abcdef0123456789abcdef","merchant_reference_id":"r"}`},
		"short id":          {"GET", "/v2/customers/x", 200, strings.Replace(good, "0123456789abcdef0123456789abcdef", "1", 1)},
		"bad network": {"GET", "/v2/payment-methods/x", 200, `{"id":"p","merchant_id":"m","customer_id":"vault_cus_0123456789abcdef0123456789abcdef",` +
			`"payment_method_type":"card","storage_type":"persistent","payment_method_data":{"card":{"saved_to_locker":true,"card_network":"VISA"}}}`},
		"unknown route": {"GET", "/v2/nothing", 200, `{}`},
	} {
		if err := checkResponse(tc.method, tc.path, tc.status, h, []byte(tc.body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// checkErrorShape checks {"error":{"type","message","code"}} and nothing else.
func checkErrorShape(t testing.TB, method, path string, status int, body []byte) {
	t.Helper()
	var e struct {
		Error map[string]any `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&e); err != nil || e.Error == nil {
		t.Errorf("%s %s answered %d without Hyperswitch's error shape: %s", method, path, status, body)
		return
	}
	for _, k := range []string{"type", "message", "code"} {
		if s, _ := e.Error[k].(string); s == "" {
			t.Errorf("%s %s answered %d with error.%s missing: %s", method, path, status, k, body)
		}
	}
	if len(e.Error) != 3 {
		t.Errorf("%s %s: error has extra fields: %s", method, path, body)
	}
}
