package hostedform_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/browsertest"
	"github.com/cardvault/cardvault/internal/vaulttest"

	"github.com/chromedp/chromedp"
)

// A bank account form (form_type=ach, or the built-in "ach") shows the
// account inputs and no card inputs, and posts to its capture endpoint
// with form_type=ach.
func TestServeACHForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	resp, b := e.call(t, "POST", "/v1/capture/iframe?form_type=ach", `{"field_options":{"reference":{"visible":false}}}`)
	vaulttest.WantStatus(t, resp, b, http.StatusOK)
	f := vaulttest.Decode[created](t, b)
	if f.Type != "ach" {
		t.Fatalf("created %+v", f)
	}
	for _, id := range []string{f.ID, "ach"} {
		resp, page := e.load(t, formPath(id, e.createEndpoint(t)))
		vaulttest.WantStatus(t, resp, []byte(page), http.StatusOK)
		for _, want := range []string{`id="cv-account_holder"`, `id="cv-routing_number"`, `id="cv-account_number"`,
			`<select id="cv-account_type"`, `?form_type=ach"`, "Save account", "Bank account details"} {
			if !strings.Contains(page, want) {
				t.Errorf("form %s lacks %s", id, want)
			}
		}
		if strings.Contains(page, `autocomplete="cc-number"`) || strings.Contains(page, `autocomplete="cc-csc"`) {
			t.Errorf("form %s shows card inputs", id)
		}
	}
}

// testACH types a bank account into the built-in ACH form in Chromium: a
// bad routing number is refused before any request; then the account is
// sealed as an entry whose token derives from the account number (as
// POST /v1/vault derives it) and reads back in PCI Vault's ACH shape.
func testACH(t *testing.T, browser context.Context) {
	e := newEnv(t)
	e.setup(t)
	ep := e.createEndpoint(t, "ttl", "PT10M")
	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, chromedp.Navigate(e.URL+formPath("ach", ep)+"&reference=inv-7"))
	if got := browsertest.FormState(t, page); got != "form" {
		t.Fatalf("the ACH form is %s", got)
	}
	browsertest.Do(t, page, chromedp.SendKeys(chromedp.ID("cv-account_holder"), "Ada Lovelace"),
		chromedp.SendKeys(chromedp.ID("cv-routing_number"), "011000016"),
		chromedp.SendKeys(chromedp.ID("cv-account_number"), "0001 2345 6789"))
	if v := browsertest.Eval[string](t, page, `(document.getElementById("cv-account_type").value = "savings")`); v != "savings" {
		t.Fatalf("account type %q", v)
	}
	browsertest.Do(t, page, chromedp.Click(chromedp.ID("cv-submit")))
	msg := browsertest.Poll[string](t, page, `document.getElementById("cv-routing_number-error").textContent`)
	if msg != "This routing number is not valid. Check it and try again." || captures(e) != 0 {
		t.Fatalf("a bad routing number shows %q after %d requests", msg, captures(e))
	}
	browsertest.Eval[string](t, page, `(document.getElementById("cv-routing_number").value = "")`)
	browsertest.Do(t, page, chromedp.SendKeys(chromedp.ID("cv-routing_number"), "011000015"), chromedp.Click(chromedp.ID("cv-submit")))
	browsertest.Poll[bool](t, page, `!document.getElementById("cv-done").hidden`)

	want := e.store(t, "by-vault", `{"account_number":"000123456789"}`)
	got := e.reveal(t, want.Token, "inv-7")
	for k, v := range map[string]any{"account_number": "000123456789", "last_four": "6789", "routing_number": "011000015",
		"account_type": "savings", "account_holder": "Ada Lovelace"} {
		if got[k] != v {
			t.Errorf("stored %s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	e.AssertLogClean(t, ep.Secret, "000123456789", "0001 2345 6789")
}
