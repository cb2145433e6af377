package hostedform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/browsertest"
	"github.com/cardvault/cardvault/internal/vaulttest"

	"github.com/chromedp/chromedp"
)

// testCallback records what the form gives a success callback, in the
// frame and in a message to the merchant, and what it finds in the card
// inputs (value:disabled) while it runs.
const testCallback = `function(responseData, requestData) {
  const inputs = ["card_number", "expiry", "cvv", "card_holder"].map((n) => {
    const el = document.getElementById("cv-" + n);
    return el.value + ":" + el.disabled;
  });
  document.body.dataset.callback = JSON.stringify({response: responseData, request: requestData});
  parent.postMessage({type: "merchant:callback", response: responseData, request: requestData, inputs: inputs}, "*");
}`

// inputsCleared checks what a callback found in the card inputs: each
// empty and disabled.
func inputsCleared(t *testing.T, seen any) {
	t.Helper()
	got := toStrings(seen)
	if len(got) != 4 {
		t.Fatalf("the callback saw the inputs %v", seen)
	}
	for i, v := range got {
		if v != ":true" {
			t.Errorf("while the callback ran, input %d was %q (value:disabled), want empty and disabled", i, v)
		}
	}
}

// message is what the merchant page received.
type message struct {
	Origin    string         `json:"origin"`
	FromFrame bool           `json:"fromFrame"`
	Data      map[string]any `json:"data"`
}

// TestBrowser runs the hosted form in headless Chromium. The subtests share
// one browser; each has its own vault, merchant and tab.
func TestBrowser(t *testing.T) {
	browser := browsertest.Start(t)
	t.Run("a card typed in the framed form reaches the vault", func(t *testing.T) { testCapture(t, browser) })
	t.Run("a locked-down endpoint and a CVV-only form update just the CVV", func(t *testing.T) { testCVVUpdate(t, browser) })
	t.Run("a Luhn error shows before any request", func(t *testing.T) { testLuhn(t, browser) })
	t.Run("a refusal by the vault is shown and the form can retry", func(t *testing.T) { testRefusal(t, browser) })
	t.Run("an expired endpoint shows an error page", func(t *testing.T) { testExpired(t, browser) })
	t.Run("an origin not listed cannot frame the form", func(t *testing.T) { testFrameAncestors(t, browser) })
	t.Run("the form fits phones and desktops", func(t *testing.T) { testLayout(t, browser) })
	t.Run("a bank account typed in the ACH form is sealed", func(t *testing.T) { testACH(t, browser) })
}

func testCapture(t *testing.T, browser context.Context) {
	e := newEnv(t)
	e.setup(t)
	ep := e.createEndpoint(t, "ttl", "PT10M")
	var f created
	m := newMerchant(t, func(origin string) string {
		f = e.createForm(t, `{"allowed_origins":["`+origin+`"],"success_callback":"`+b64(testCallback)+`"}`)
		return e.URL + formPath(f.ID, ep)
	})
	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, chromedp.Navigate(m.URL))
	fr := browsertest.Frame(t, page, e.URL+"/v1/capture/iframe/")
	if got := browsertest.FormState(t, fr); got != "form" {
		t.Fatalf("the framed form is %s", got)
	}
	if search := browsertest.Eval[string](t, fr, `location.search`); strings.Contains(search, "secret") || !strings.Contains(search, "unique_id="+ep.id()) {
		t.Errorf("the address bar still reads %q", search)
	}

	typed, sent := expiryIn(3)
	browsertest.TypeCard(t, fr, map[string]string{"card_number": pan, "expiry": typed, "cvv": "123", "card_holder": "Ada Lovelace", "reference": "order-42"})
	shown := browsertest.Eval[[]string](t, fr, `[document.getElementById("cv-card_number").value, document.getElementById("cv-scheme").textContent,
		document.getElementById("cv-expiry").value]`)
	if shown[0] != "4111 1111 1111 1111" || shown[1] != "Visa" || shown[2] != strings.Replace(sent, "/", " / ", 1) {
		t.Errorf("while typing the form shows %q", shown)
	}
	// Record every state of the button, to see it disabled while sending.
	browsertest.Eval[bool](t, fr, `(() => { const b = document.getElementById("cv-submit"); window.buttonStates = [];
		new MutationObserver(() => window.buttonStates.push(b.disabled + ":" + b.textContent)).observe(b, {attributes: true, childList: true, characterData: true, subtree: true});
		return true; })()`)
	browsertest.Do(t, fr, chromedp.Click(chromedp.ID("cv-submit")))

	msgs := browsertest.Poll[[]message](t, page, `window.received.length >= 2 ? window.received : null`)
	var captured, callback map[string]any
	for _, msg := range msgs {
		// The form runs a callback, so it is sandboxed: its messages come
		// from an opaque origin, and the merchant tells them by their source.
		if msg.Origin != "null" || !msg.FromFrame {
			t.Errorf("message from origin %s (from the form's frame: %v), want null from the form's frame", msg.Origin, msg.FromFrame)
		}
		switch msg.Data["type"] {
		case "cardvault:captured":
			captured = msg.Data
		case "merchant:callback":
			callback = msg.Data
		}
	}
	token, _ := captured["token"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(token) || captured["reference"] != "order-42" || len(captured) != 3 {
		t.Fatalf("the parent received %v", captured)
	}
	request, _ := callback["request"].(map[string]any)
	response, _ := callback["response"].(map[string]any)
	if response["token"] != token || response["user"] != user || request["last_four"] != "1111" ||
		request["card_type"] != "visa" || request["expiry"] != sent || request["card_holder"] != "Ada Lovelace" ||
		request["reference"] != "order-42" {
		t.Errorf("the callback got %v", callback)
	}
	for _, secret := range []string{"card_number", "cvv"} {
		if _, ok := request[secret]; ok {
			t.Errorf("requestData holds %s", secret)
		}
	}
	inputsCleared(t, callback["inputs"])
	raw, _ := json.Marshal(msgs)
	if strings.Contains(string(raw), pan) || strings.Contains(string(raw), `"123"`) {
		t.Errorf("card data reached the merchant page: %s", raw)
	}
	if got := browsertest.Eval[string](t, fr, `document.body.dataset.callback ? "ran" : ""`); got != "ran" {
		t.Errorf("the callback did not run in the frame")
	}
	after := browsertest.Eval[[]any](t, fr, `[document.getElementById("cv-done").hidden, document.getElementById("cv-card_number").value,
		document.getElementById("cv-cvv").value, window.buttonStates]`)
	if after[0] != false || after[1] != "" || after[2] != "" || !strings.Contains(strings.Join(toStrings(after[3]), ","), "true:Saving…") {
		t.Errorf("after success: %v", after)
	}

	stored := e.reveal(t, token, "order-42")
	y, _ := strings.CutPrefix(sent, "12/")
	want := map[string]any{"card_number": pan, "card_holder": "Ada Lovelace", "cvv": "123", "expiry": sent,
		"expiry_month": "12", "expiry_year": "20" + y, "expiry_year_short": y, "last_four": "1111", "card_type": "visa"}
	if len(stored) != len(want) {
		t.Errorf("stored %v, want %v", stored, want)
	}
	for k, v := range want {
		if stored[k] != v {
			t.Errorf("stored %s = %v, want %v", k, stored[k], v)
		}
	}
	e.AssertLogClean(t, ep.Secret, pan)
}

func toStrings(v any) []string {
	var out []string
	if xs, ok := v.([]any); ok {
		for _, x := range xs {
			s, _ := x.(string)
			out = append(out, s)
		}
	}
	return out
}

func testCVVUpdate(t *testing.T, browser context.Context) {
	e := newEnv(t)
	e.setup(t)
	s := e.store(t, "my-reference", storedCard)
	ep := e.createEndpoint(t, "ttl", "PT10M", "token", s.Token, "reference", "my-reference")
	m := newMerchant(t, func(origin string) string {
		// Seed 001's form: everything hidden but the CVV, and a callback
		// that sends the shopper to the merchant's success page.
		callback := strings.Replace(seedCallback, "`/update/success", "`"+origin+"/update/success", 1)
		f := e.createForm(t, `{"allowed_origins":["`+origin+`"],"success_callback":"`+b64(callback)+`","field_options":{`+
			`"reference":{"visible":false},"card_holder":{"visible":false},"expiry":{"visible":false},"card_number":{"visible":false}}}`)
		return e.URL + formPath(f.ID, ep)
	})
	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, chromedp.Navigate(m.URL))
	fr := browsertest.Frame(t, page, e.URL+"/v1/capture/iframe/")
	if got := browsertest.FormState(t, fr); got != "form" {
		t.Fatalf("the framed form is %s", got)
	}
	if inputs := browsertest.Eval[[]string](t, fr, `[...document.querySelectorAll("input")].map(i => i.autocomplete)`); len(inputs) != 1 || inputs[0] != "cc-csc" {
		t.Fatalf("the CVV-only form has inputs %q", inputs)
	}
	browsertest.TypeCard(t, fr, map[string]string{"cvv": "456"})
	browsertest.Do(t, fr, chromedp.Click(chromedp.ID("cv-submit")))

	msgs := browsertest.Poll[[]message](t, page, `window.received.length >= 1 ? window.received : null`)
	if msgs[0].Data["type"] != "cardvault:captured" || msgs[0].Data["token"] != s.Token || msgs[0].Data["reference"] != "my-reference" {
		t.Errorf("the parent received %v", msgs)
	}
	// The seed's callback replaces the frame's page with the merchant's,
	// which is then of the page's own origin and readable from it.
	browsertest.Poll[bool](t, page, `(() => { const d = document.getElementById("card").contentDocument; return !!(d && d.getElementById("done")); })()`)
	if !m.requested("/update/success?reference=my-reference") {
		t.Errorf("the callback did not lead to the success page; the shop saw %v", m.hits)
	}

	got := e.reveal(t, s.Token, "my-reference")
	want := map[string]any{"card_number": pan, "card_holder": "J DOE", "card_expiry": "06-2039", "cvv": "456"}
	if len(got) != len(want) {
		t.Errorf("after the update the card reads %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("after the update %s = %v, want %v", k, got[k], v)
		}
	}
	e.AssertLogClean(t, ep.Secret, pan, "456")
}

// fullForm makes a form from body, framed by no one, and opens it in a tab
// of its own after running before there.
func fullForm(t *testing.T, browser context.Context, e *env, body string, before ...chromedp.Action[chromedp.Void]) (context.Context, endpoint) {
	t.Helper()
	ep := e.createEndpoint(t, "ttl", "PT10M")
	f := e.createForm(t, body)
	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, append(before, chromedp.Navigate(e.URL+formPath(f.ID, ep)))...)
	if got := browsertest.FormState(t, page); got != "form" {
		t.Fatalf("the form is %s", got)
	}
	return page, ep
}

// captures counts the posts to capture endpoints in the access log.
func captures(e *env) int {
	return strings.Count(e.Log.String(), `"route":"POST /v1/capture/{id}"`)
}

func testLuhn(t *testing.T, browser context.Context) {
	e := newEnv(t)
	e.setup(t)
	page, _ := fullForm(t, browser, e, `{}`)
	typed, _ := expiryIn(2)
	browsertest.TypeCard(t, page, map[string]string{"card_number": "4111111111111112", "expiry": typed, "cvv": "123", "card_holder": "Ada Lovelace"})
	browsertest.Do(t, page, chromedp.Click(chromedp.ID("cv-submit")))
	got := browsertest.Poll[[]string](t, page, `document.getElementById("cv-card_number-error").textContent ?
		[document.getElementById("cv-card_number-error").textContent, document.getElementById("cv-card_number").getAttribute("aria-invalid"),
		 document.activeElement.id, String(document.getElementById("cv-submit").disabled)] : null`)
	if got[0] != "This card number is not valid. Check it and try again." || got[1] != "true" || got[2] != "cv-card_number" || got[3] != "false" {
		t.Errorf("after a Luhn error the form shows %q", got)
	}
	if n := captures(e); n != 0 {
		t.Errorf("%d capture requests were sent", n)
	}

	// The other checks speak next to their fields too.
	browsertest.Do(t, page, chromedp.SetValue(chromedp.ID("cv-expiry"), ""), chromedp.SendKeys(chromedp.ID("cv-expiry"), "1320"),
		chromedp.SetValue(chromedp.ID("cv-cvv"), ""), chromedp.SendKeys(chromedp.ID("cv-cvv"), "12"),
		chromedp.Click(chromedp.ID("cv-submit")))
	msgs := browsertest.Eval[[]string](t, page, `["expiry", "cvv"].map(n => document.getElementById("cv-" + n + "-error").textContent)`)
	if msgs[0] != "Enter a month from 01 to 12." || msgs[1] != "Enter the 3-digit security code." {
		t.Errorf("expiry and CVV errors: %q", msgs)
	}
	if n := captures(e); n != 0 {
		t.Errorf("%d capture requests were sent", n)
	}
}

// refusalCallback records what the error callback finds in the card
// inputs (value:disabled) while it runs, and the vault's message.
const refusalCallback = `function(responseData) {
  document.body.dataset.inputs = JSON.stringify(["card_number", "expiry", "cvv", "card_holder"].map((n) => {
    const el = document.getElementById("cv-" + n);
    return el.value + ":" + el.disabled;
  }));
  document.body.dataset.refused = responseData.error;
}`

func testRefusal(t *testing.T, browser context.Context) {
	e := newEnv(t)
	e.setup(t)
	page, ep := fullForm(t, browser, e, `{"error_callback":"`+b64(refusalCallback)+`"}`)
	resp, body := e.call(t, "DELETE", "/v1/capture/"+ep.id(), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	typed, _ := expiryIn(2)
	card := map[string]string{"card_number": "5555555555554444", "expiry": typed, "cvv": "321", "card_holder": "Ada"}
	browsertest.TypeCard(t, page, card)
	browsertest.Do(t, page, chromedp.Click(chromedp.ID("cv-submit")))
	got := browsertest.Poll[[]string](t, page, `document.body.dataset.refused ? [document.getElementById("cv-form-error").textContent,
		String(document.getElementById("cv-form-error").hidden), document.getElementById("cv-submit").textContent,
		String(document.getElementById("cv-submit").disabled), document.getElementById("cv-card_number").value,
		String(document.getElementById("cv-card_number").disabled), document.activeElement.id] : null`)
	if !strings.Contains(got[0], "This form is no longer valid") || !strings.Contains(got[0], "no such capture endpoint") ||
		got[1] != "false" || got[2] != "Save card" || got[3] != "false" {
		t.Errorf("after a refusal the form shows %q", got)
	}
	// The callback found the card inputs empty and disabled; afterwards
	// they are enabled again, empty, for the shopper to type the card anew.
	inputsCleared(t, vaulttest.Decode[[]any](t, []byte(browsertest.Eval[string](t, page, `document.body.dataset.inputs`))))
	if got[4] != "" || got[5] != "false" || got[6] != "cv-card_number" {
		t.Errorf("after the error callback the number input is %q, disabled=%s, focus on %q", got[4], got[5], got[6])
	}
	if n := captures(e); n != 1 {
		t.Errorf("%d capture requests, want 1", n)
	}

	// Without an error callback nothing else can read the inputs, so the
	// shopper keeps what was typed and can correct it.
	page, ep = fullForm(t, browser, e, `{}`)
	resp, body = e.call(t, "DELETE", "/v1/capture/"+ep.id(), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	browsertest.TypeCard(t, page, card)
	browsertest.Do(t, page, chromedp.Click(chromedp.ID("cv-submit")))
	kept := browsertest.Poll[string](t, page, `document.getElementById("cv-form-error").hidden ? "" : document.getElementById("cv-card_number").value`)
	if kept != "5555 5555 5555 4444" {
		t.Errorf("without an error callback the number input reads %q after a refusal", kept)
	}
}

func testExpired(t *testing.T, browser context.Context) {
	e := newEnv(t)
	e.setup(t)
	ep := e.createEndpoint(t, "ttl", "PT10M")
	f := e.createForm(t, `{}`)
	e.Clock.Advance(11 * time.Minute)
	page := browsertest.Tab(t, browser)
	resp, err := chromedp.Run(page, chromedp.NavigateResponse(e.URL+formPath(f.ID, ep)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.Status)
	}
	got := browsertest.Eval[[]string](t, page, `[String(document.querySelector("form")), String(document.querySelector("input")), document.querySelector("main").textContent]`)
	if got[0] != "null" || got[1] != "null" || !strings.Contains(got[2], "This link has expired") {
		t.Errorf("the expired page shows %q", got)
	}
}

func testFrameAncestors(t *testing.T, browser context.Context) {
	e := newEnv(t)
	e.setup(t)
	ep := e.createEndpoint(t, "ttl", "PT10M")
	for _, c := range []struct{ name, body string }{
		{"another origin is listed", `{"allowed_origins":["https://shop.example"]}`},
		{"no origin is listed, and the merchant is not https", `{}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := e.createForm(t, c.body)
			m := newMerchant(t, func(string) string { return e.URL + formPath(f.ID, ep) })
			page := browsertest.Tab(t, browser)
			browsertest.Do(t, page, chromedp.Navigate(m.URL))
			if got := browsertest.FormState(t, browsertest.Frame(t, page, e.URL+"/v1/capture/iframe/")); got != "blocked" {
				t.Errorf("the form loaded in a frame of %s: %s", m.URL, got)
			}
		})
	}
}

// update rewrites the screenshots under docs/images.
var update = flag.Bool("update", false, "write the form screenshots to docs/images")

// testLayout checks the form at a phone's and a desktop's width (no
// sideways scrolling, a readable column, touch-sized controls) and takes
// the screenshots the README shows.
func testLayout(t *testing.T, browser context.Context) {
	e := newEnv(t)
	e.setup(t)
	typed, _ := expiryIn(3)
	for _, c := range []struct {
		width  int64
		file   string
		values map[string]string
		submit bool
	}{
		// The phone shows a filled form; the desktop a check that failed.
		{320, "form-phone.png", map[string]string{"card_number": "5555555555554444", "expiry": typed, "cvv": "123", "card_holder": "Ada Lovelace"}, false},
		{1280, "form-desktop.png", map[string]string{"card_number": pan, "expiry": typed, "card_holder": "Ada Lovelace", "reference": "order-42"}, true},
	} {
		page, _ := fullForm(t, browser, e, `{"title":"Pay by card"}`, chromedp.EmulateViewport(c.width, 720))
		got := browsertest.Eval[[]float64](t, page, `[document.documentElement.scrollWidth, document.querySelector("main").getBoundingClientRect().width,
			document.getElementById("cv-card_number").getBoundingClientRect().height, document.getElementById("cv-submit").getBoundingClientRect().height]`)
		if got[0] > float64(c.width) {
			t.Errorf("at %d px the page scrolls sideways (%v px wide)", c.width, got[0])
		}
		if got[1] > 440 || got[1] < float64(min(c.width, 440))-40 {
			t.Errorf("at %d px the form is %v px wide", c.width, got[1])
		}
		if got[2] < 44 || got[3] < 44 {
			t.Errorf("at %d px the touch targets are %v and %v px high", c.width, got[2], got[3])
		}
		browsertest.TypeCard(t, page, c.values)
		if c.submit {
			browsertest.Do(t, page, chromedp.Click(chromedp.ID("cv-submit")))
		} else {
			browsertest.Do(t, page, chromedp.Blur(chromedp.ID("cv-card_holder")))
		}
		shot, err := chromedp.Run(page, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(shot))
		if err != nil || int64(img.Bounds().Dx()) != c.width {
			t.Fatalf("screenshot at %d px: %v, %v", c.width, img.Bounds(), err)
		}
		if *update {
			if err := os.WriteFile(filepath.Join("..", "..", "..", "docs", "images", c.file), shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
