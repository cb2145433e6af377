package hostedform_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/browsertest"

	"github.com/chromedp/chromedp"

	"github.com/cardvault/cardvault/internal/web"
)

// TestBrowserPluggableTarget renders the form with web.RenderForm for
// another kind of endpoint (a session completion URL, as Guardian's
// sessions use): another path, a fixed header instead of a secret, and the
// body renamed and wrapped.
func TestBrowserPluggableTarget(t *testing.T) {
	browser := browsertest.Start(t)
	var (
		mu     sync.Mutex
		body   map[string]any
		header string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/sessions/s_1/complete-action" {
			raw, _ := io.ReadAll(r.Body)
			mu.Lock()
			_ = json.Unmarshal(raw, &body)
			header = r.Header.Get("X-Session-Form")
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"tok_1","status":"completed"}`))
			return
		}
		err := web.RenderForm(w, web.FormConfig{Nonce: web.NewNonce(), SubmitURL: "/sessions/s_1/complete-action",
			Headers: map[string]string{"X-Session-Form": "1"},
			Fields:  []web.Field{{Name: web.FieldCardNumber, Validate: true}, {Name: web.FieldExpiry, Validate: true}, {Name: web.FieldCVV, Validate: true}, {Name: web.FieldCardHolder, Validate: true}},
			Body: web.BodyShape{Rename: map[string]string{"card_number": "account_number", "cvv": "security_code", "card_holder": "cardholder_name",
				"expiry": "", "expiry_year_short": "", "last_four": "", "card_type": ""},
				WrapIn: "result", Wrap: map[string]string{"action": "tokenize_card"}},
			SuccessCallback: `function(responseData, requestData) { document.body.dataset.done = responseData.id + ":" + requestData.last_four; }`})
		if err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)

	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, chromedp.Navigate(srv.URL+"/sessions/s_1/form"))
	if got := browsertest.FormState(t, page); got != "form" {
		t.Fatalf("the form is %s", got)
	}
	typed, sent := expiryIn(1)
	browsertest.TypeCard(t, page, map[string]string{"card_number": pan, "expiry": typed, "cvv": "123", "card_holder": "Ada Lovelace"})
	browsertest.Do(t, page, chromedp.Click(chromedp.ID("cv-submit")))
	if got := browsertest.Poll[string](t, page, `document.body.dataset.done || ""`); got != "tok_1:1111" {
		t.Errorf("the callback saw %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	result, _ := body["result"].(map[string]any)
	want := map[string]any{"account_number": pan, "security_code": "123", "cardholder_name": "Ada Lovelace",
		"expiry_month": "12", "expiry_year": "20" + sent[3:]}
	if body["action"] != "tokenize_card" || len(body) != 2 || len(result) != len(want) || header != "1" {
		t.Fatalf("the endpoint received %v with header %q", body, header)
	}
	for k, v := range want {
		if result[k] != v {
			t.Errorf("result.%s = %v, want %v", k, result[k], v)
		}
	}
}
