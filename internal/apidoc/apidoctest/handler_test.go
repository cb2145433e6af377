package apidoctest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that keeps the failures instead of failing.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// answer is what the stand-in vault answers.
type answer struct {
	status      int
	contentType string
	body        string
}

// exchange sends one request through Handler to a stand-in answering a and
// returns what Handler reported.
func exchange(t *testing.T, method, path, contentType, body string, a answer) []string {
	t.Helper()
	rec := &recorder{TB: t}
	h := Handler(rec, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.ReadAll(r.Body)
		if string(got) != body {
			t.Errorf("the handler read %q, want the request's %q", got, body)
		}
		if a.contentType != "" {
			w.Header().Set("Content-Type", a.contentType)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != a.status || string(b) != a.body {
		t.Errorf("the client got %d %q, want the handler's %d %q", resp.StatusCode, b, a.status, a.body)
	}
	srv.Close() // waits for the handler, so every report is in
	return rec.failures()
}

// TestHandlerFailsWhatTheDocumentsForbid makes sure the check every facade
// test runs behind can fail, and fails only what it should.
func TestHandlerFailsWhatTheDocumentsForbid(t *testing.T) {
	const ctJSON = "application/json"
	buyer := `{"type":"buyer","id":"fe26475d-ec3e-4884-9553-f7356683f7f9","reconciliation_id":"x","merchant_account_id":"default",` +
		`"created_at":"2013-07-16T19:23:00.000+00:00","updated_at":"2013-07-16T19:23:00.000+00:00"}`
	customer := `{"id":"vault_cus_0123456789abcdef0123456789abcdef","merchant_reference_id":"r","created_at":"2024-02-24T11:04:09.922Z"}`
	for _, tc := range []struct {
		name, method, path, contentType, body string
		answer                                answer
		fails                                 bool
	}{
		{"a valid Gr4vy buyer", "GET", "/buyers/fe26475d-ec3e-4884-9553-f7356683f7f9", "", "", answer{200, ctJSON, buyer}, false},
		{"an undeclared status", "GET", "/buyers/fe26475d-ec3e-4884-9553-f7356683f7f9", "", "", answer{202, ctJSON, buyer}, true},
		{"a missing required field", "GET", "/buyers/fe26475d-ec3e-4884-9553-f7356683f7f9", "", "",
			answer{200, ctJSON, strings.Replace(buyer, `"id":`, `"idx":`, 1)}, true},
		{"an extra field", "GET", "/buyers/fe26475d-ec3e-4884-9553-f7356683f7f9", "", "",
			answer{200, ctJSON, strings.Replace(buyer, `{`, `{"colour":"red",`, 1)}, true},
		{"a wrong error shape", "GET", "/buyers/fe26475d-ec3e-4884-9553-f7356683f7f9", "", "", answer{404, ctJSON, `{"error":{"message":"x"}}`}, true},
		{"a valid Hyperswitch customer", "GET", "/v2/customers/x", "", "", answer{200, ctJSON, customer}, false},
		{"no created_at", "GET", "/v2/customers/x", "", "", answer{200, ctJSON, strings.Replace(customer, `,"created_at":"2024-02-24T11:04:09.922Z"`, "", 1)}, true},
		{"a short id", "GET", "/v2/customers/x", "", "", answer{200, ctJSON, strings.Replace(customer, "0123456789abcdef0123456789abcdef", "1", 1)}, true},
		{"Hyperswitch's error shape", "GET", "/v2/customers/x", "", "", answer{404, ctJSON, `{"error":{"type":"invalid_request","message":"no","code":"HE_02"}}`}, false},
		{"a flat error", "GET", "/v2/customers/x", "", "", answer{404, ctJSON, `{"error_type":"invalid_request","message":"no","code":"HE_02"}`}, true},
		{"an accepted request the document forbids", "POST", "/v2/customers", ctJSON, `{"name":1}`, answer{200, ctJSON, customer}, true},
		{"a refused bad request in the error shape", "POST", "/v2/customers", ctJSON, `{"name":1}`,
			answer{400, ctJSON, `{"error":{"type":"invalid_request","message":"name","code":"IR_06"}}`}, false},
		{"a refused bad request in another shape", "POST", "/v2/customers", ctJSON, `{"name":1}`, answer{400, "text/plain", "bad"}, true},
		{"an undocumented path", "GET", "/healthz", "", "", answer{200, "text/plain", "ok"}, false},
		{"a documented path, undocumented method", "PATCH", "/buyers/fe26475d-ec3e-4884-9553-f7356683f7f9", "", "", answer{405, "text/plain", "no"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := exchange(t, tc.method, tc.path, tc.contentType, tc.body, tc.answer)
			if tc.fails != (len(got) > 0) {
				t.Errorf("failures %q, want failing = %v", got, tc.fails)
			}
		})
	}
}

// TestHandlerKeepsCardNumbersOutOfTheLog checks that a mismatch quoting a
// body does not print the card number in it.
func TestHandlerKeepsCardNumbersOutOfTheLog(t *testing.T) {
	got := exchange(t, "GET", "/v2/customers/x", "", "", answer{200, "application/json", `{"id":"4111111111111111"}`})
	if len(got) == 0 {
		t.Fatal("the mismatch was not reported")
	}
	for _, f := range got {
		if strings.Contains(f, "4111111111111111") {
			t.Errorf("the report shows the card number: %s", f)
		}
	}
}
