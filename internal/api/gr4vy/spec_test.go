package gr4vy_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/cardvault/cardvault/internal/vaulttest"
)

// specFile is Gr4vy's OpenAPI document trimmed to the operations cardvault
// serves (testdata/trim-spec.py says how it was made from
// shared/reference/gr4vy-openapi.json; nothing in it is edited).
const specFile = "testdata/gr4vy-openapi.json"

// specRouter loads the document once per test binary.
var specRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(specFile)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil // match requests by path, whatever host the test server has
	return legacy.NewRouter(doc, openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation())
})

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

// do makes a request and checks its answer against the document: any
// status, error answers included, must be one the operation declares, with
// a body matching its schema.
func do(t *testing.T, e *vaulttest.Env, method, path, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	resp, b := e.Do(t, method, path, body, headers...)
	if err := checkResponse(method, path, resp.StatusCode, resp.Header, b); err != nil {
		t.Errorf("%s %s answered %d against gr4vy-openapi.json: %v\nbody: %s", method, path, resp.StatusCode, err, b)
	}
	return resp, b
}

// TestValidatorRejectsWhatTheDocumentForbids makes sure the response check
// can fail: wrong status, missing required field, extra field, bad enum.
func TestValidatorRejectsWhatTheDocumentForbids(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}}
	good := `{"type":"buyer","id":"fe26475d-ec3e-4884-9553-f7356683f7f9","reconciliation_id":"x","merchant_account_id":"default",` +
		`"created_at":"2013-07-16T19:23:00.000+00:00","updated_at":"2013-07-16T19:23:00.000+00:00"}`
	if err := checkResponse("GET", "/buyers/fe26475d-ec3e-4884-9553-f7356683f7f9", 200, h, []byte(good)); err != nil {
		t.Fatalf("a valid buyer fails: %v", err)
	}
	for name, tc := range map[string]struct {
		method, path string
		status       int
		body         string
	}{
		"undeclared status": {"GET", "/buyers/fe26475d-ec3e-4884-9553-f7356683f7f9", 202, good},
		"no id":             {"GET", "/buyers/fe26475d-ec3e-4884-9553-f7356683f7f9", 200, strings.Replace(good, `"id":`, `"idx":`, 1)},
		"extra field":       {"GET", "/buyers/fe26475d-ec3e-4884-9553-f7356683f7f9", 200, strings.Replace(good, `{`, `{"colour":"red",`, 1)},
		"bad error shape":   {"GET", "/buyers/fe26475d-ec3e-4884-9553-f7356683f7f9", 404, `{"error":{"message":"x"}}`},
		"unknown route":     {"GET", "/nothing", 200, `{}`},
	} {
		if err := checkResponse(tc.method, tc.path, tc.status, h, []byte(tc.body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
