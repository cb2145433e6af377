package guardian_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/browsertest"
	"github.com/cardvault/cardvault/internal/vaulttest"

	"github.com/chromedp/chromedp"

	"github.com/cardvault/cardvault/internal/vault"
)

// received is a message the shop's page received.
type received struct {
	Origin string         `json:"origin"`
	Data   map[string]any `json:"data"`
}

// TestSessionFormBrowser completes sessions through their hosted form in
// headless Chromium, as a shopper would. The subtests share one browser;
// each has its own vault and tab.
func TestSessionFormBrowser(t *testing.T) {
	browser := browsertest.Start(t)
	t.Run("a card typed in the form framed by the shop completes the session", func(t *testing.T) { testFramedSessionForm(t, browser) })
	t.Run("a security-code session updates the token's held code", func(t *testing.T) { testSecurityCodeForm(t, browser) })
	t.Run("a shop the session does not name cannot frame the form", func(t *testing.T) { testSessionFormBlocked(t, browser) })
}

func testFramedSessionForm(t *testing.T, browser context.Context) {
	e := newEnv(t, nil)
	shop := newShop(t)
	id := formSession(t, e, shop.URL)
	shop.frame(e.URL + "/sessions/" + id + "/form")
	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, chromedp.Navigate(shop.URL))
	fr := browsertest.Frame(t, page, e.URL+"/sessions/")
	if got := browsertest.FormState(t, fr); got != "form" {
		t.Fatalf("the framed form is %s", got)
	}
	year := time.Now().Year() + 3
	browsertest.TypeCard(t, fr, map[string]string{"card_number": pan, "expiry": fmt.Sprintf("12%02d", year%100), "cvv": "123", "card_holder": "Ada Lovelace"})
	browsertest.Do(t, fr, chromedp.Click(chromedp.ID("cv-submit")))

	msgs := browsertest.Poll[[]received](t, page, `window.received.some((m) => m.data && m.data.session_id) ? window.received : null`)
	var captured map[string]any
	for _, m := range msgs {
		if m.Origin != e.URL {
			t.Errorf("a message from %s, want the vault's origin %s", m.Origin, e.URL)
		}
		if m.Data["session_id"] != nil {
			captured = m.Data
		}
	}
	tokenID, _ := captured["token_id"].(string)
	if captured["type"] != "cardvault:captured" || captured["session_id"] != id || tokenID == "" || len(captured) != 3 {
		t.Fatalf("the shop received %v", captured)
	}
	raw, _ := json.Marshal(msgs)
	if strings.Contains(string(raw), pan) || strings.Contains(string(raw), `"123"`) {
		t.Errorf("card data reached the shop's page: %s", raw)
	}
	if done := browsertest.Eval[[]any](t, fr, `[document.getElementById("cv-done").hidden, document.getElementById("cv-card_number").value]`); done[0] != false || done[1] != "" {
		t.Errorf("after success the frame shows %v", done)
	}

	// The merchant reads the completed session and its token.
	resp, b := e.Do(t, "GET", "/api/sessions/"+id, "", "x-api-key", e.AdminKey)
	if m := vaulttest.Decode[map[string]any](t, b); resp.StatusCode != http.StatusOK || m["status"] != "completed" || m["token_id"] != tokenID {
		t.Fatalf("merchant view: %d %s", resp.StatusCode, b)
	}
	resp, b = e.Do(t, "GET", "/api/pci/tokens/"+tokenID, "", "x-api-key", e.AdminKey)
	if tok := vaulttest.Decode[token](t, b); resp.StatusCode != http.StatusOK || tok.Card.Masked != "411111******1111" ||
		tok.Card.CardholderName != "Ada Lovelace" || tok.Card.ExpiryMonth != 12 || tok.Card.ExpiryYear != year || tok.Card.Scheme != "visa" {
		t.Fatalf("token: %d %s", resp.StatusCode, b)
	}
	if !codeAvailable(t, e, tokenID) {
		t.Error("the typed security code is not held")
	}

	// Loading the form again shows the error page, with no form.
	again := browsertest.Tab(t, browser)
	res, err := chromedp.Run(again, chromedp.NavigateResponse(e.URL+"/sessions/"+id+"/form"))
	if err != nil {
		t.Fatal(err)
	}
	if got := browsertest.FormState(t, again); res.Status != http.StatusGone || !strings.Contains(got, "already used") {
		t.Errorf("reloaded: %d %s", res.Status, got)
	}
	if n := browsertest.Eval[int](t, again, `document.querySelectorAll("form, input, script").length`); n != 0 {
		t.Errorf("the error page holds %d forms, inputs or scripts", n)
	}
	e.AssertLogClean(t, id, pan, `"123"`)
}

func testSecurityCodeForm(t *testing.T, browser context.Context) {
	e := newEnv(t, nil)
	tok := createToken(t, e, e.AdminKey, panBody) // holds security code 123
	id := refreshSession(t, e, tok.ID)
	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, chromedp.Navigate(e.URL+"/sessions/"+id+"/form"))
	if got := browsertest.FormState(t, page); got != "form" {
		t.Fatalf("the form is %s", got)
	}
	if inputs := browsertest.Eval[[]string](t, page, `[...document.querySelectorAll("input")].map((i) => i.id)`); len(inputs) != 1 || inputs[0] != "cv-cvv" {
		t.Fatalf("inputs %q, want only the security code", inputs)
	}
	browsertest.TypeCard(t, page, map[string]string{"cvv": "987"})
	browsertest.Do(t, page, chromedp.Click(chromedp.ID("cv-submit")))
	browsertest.Poll[bool](t, page, `!document.getElementById("cv-done").hidden`)

	code, err := e.Vault.SecurityCode(context.Background(), vault.DefaultTenant, tok.ID)
	if err != nil || code.Digits() != "987" {
		t.Fatalf("held code after the form: %v", err)
	}
	resp, b := e.Do(t, "GET", "/api/sessions/"+id, "", "x-api-key", e.AdminKey)
	if m := vaulttest.Decode[map[string]any](t, b); resp.StatusCode != http.StatusOK || m["status"] != "completed" || m["purpose"] != "security_code" || m["token_id"] != tok.ID {
		t.Fatalf("merchant view: %d %s", resp.StatusCode, b)
	}
	e.AssertLogClean(t, id, `"987"`)
}

func testSessionFormBlocked(t *testing.T, browser context.Context) {
	e := newEnv(t, nil)
	id := formSession(t, e) // through the API: no origins, only the vault may frame it
	shop := newShop(t)
	shop.frame(e.URL + "/sessions/" + id + "/form")
	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, chromedp.Navigate(shop.URL))
	if got := browsertest.FormState(t, browsertest.Frame(t, page, e.URL+"/sessions/")); got != "blocked" {
		t.Errorf("the form loaded in a frame of %s: %s", shop.URL, got)
	}
}
