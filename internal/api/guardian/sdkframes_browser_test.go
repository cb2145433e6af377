package guardian_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cardvault/cardvault/internal/browsertest"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// hellgateSDK is Hellgate's Web SDK as npm installed it (.ci/run runs npm
// ci there); the merchant page loads its module unchanged.
var hellgateSDK = filepath.Join("testdata", "hellgatesdk", "node_modules", "@starfish-codes", "hellgate", "dist", "hellgate-sdk.mjs")

// updateShots rewrites the Web SDK screenshots under docs/screenshots.
var updateShots = flag.Bool("update", false, "write the Hellgate Web SDK screenshots to docs/screenshots")

// sdkModule returns the SDK's module, skipping the test when npm has not
// installed it unless CARDVAULT_TEST_REQUIRE_SDK=1 (CI), where it fails.
func sdkModule(t *testing.T) []byte {
	t.Helper()
	src, err := os.ReadFile(hellgateSDK)
	if err != nil {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_SDK") == "1" {
			t.Fatalf("Hellgate's Web SDK is not installed (%v); run: npm ci --prefix internal/api/guardian/testdata/hellgatesdk", err)
		}
		t.Skipf("Hellgate's Web SDK is not installed (%v); run: npm ci --prefix internal/api/guardian/testdata/hellgatesdk", err)
	}
	return src
}

// checkoutPage is a merchant's checkout written against the SDK's
// documented API: it sets HG_IFRAME_HOST, initialises the session named in
// its query, mounts the card fields and records what it sees.
const checkoutPage = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Checkout</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; padding: 24px 16px; background: #f6f8fa; color: #1f2328; }
main { max-width: 420px; margin: 0 auto; background: #fff; border: 1px solid #d0d7de; border-radius: 12px; padding: 24px; }
h1 { font-size: 1.25rem; margin: 0 0 16px; }
.label { display: block; font-size: .875rem; font-weight: 600; margin: 12px 0 6px; }
.box { border: 1px solid #818b98; border-radius: 8px; padding: 6px 8px; background: #fff; }
.box iframe { display: block; border: 0; }
.row { display: flex; gap: 12px; } .row > div { flex: 1 1 0; }
button { margin-top: 20px; width: 100%%; height: 44px; font: inherit; font-weight: 600; color: #fff; background: #1f883d; border: 0; border-radius: 8px; }
#status { min-height: 1.4em; margin: 12px 0 0; font-size: .875rem; }
</style></head><body><main>
<h1>Pay 24.00 EUR</h1>
<span class="label" id="l-number">Card number</span><div class="box" id="number"></div>
<div class="row"><div><span class="label">Expiry</span><div class="box" id="expiry"></div></div>
<div><span class="label">Security code</span><div class="box" id="cvc"></div></div></div>
<span class="label">Name on card</span><div class="box" id="holder"></div>
<button id="pay" type="button">Pay</button><p id="status" role="status"></p>
</main>
<script>
window.HG_IFRAME_HOST = %q;
window.received = [];
window.changes = [];
window.addEventListener("message", (e) => window.received.push({origin: e.origin, data: e.data}));
</script>
<script type="module">
import { Hellgate } from "/sdk/hellgate-sdk.mjs";
const session = new URLSearchParams(location.search).get("session");
window.initStarted = true;
try {
  const client = await Hellgate.init(session, { base_url: %q });
  client.onSessionComplete((r) => (window.completed = r));
  const card = client.use("CARD");
  card.onStateChange((s) => (window.formState = s));
  const holder = card.createTextField({ placeholder: "Ada Lovelace", ariaLabel: "Name on card" });
  const mode = new URLSearchParams(location.search).get("form");
  if (mode === "separate") {
    const f = card.createFormFields({ expiryDateElement: "separate" });
    await Promise.all([f.cardNumber.mount("#number"), f.expiryMonth.mount("#expiry"), f.expiryYear.mount("#holder"),
      f.securityCode.mount("#cvc")]);
  } else if (mode === "combined") {
    const form = card.createForm({ style: { base: { fontSize: "16px" } } });
    form.on("change", (s) => window.changes.push(s));
    await Promise.all([form.mount("#number"), holder.mount("#holder")]);
  } else {
    const fields = card.createFormFields({ style: { base: { fontSize: "16px", color: "#1f2328" } } });
    fields.cardNumber.on("change", (s) => window.changes.push(s));
    await Promise.all([fields.cardNumber.mount("#number"), fields.expiryDate.mount("#expiry"),
      fields.securityCode.mount("#cvc"), holder.mount("#holder")]);
  }
  window.tokenize = () => card.tokenize({ cardholder_name: holder }).then(
    (r) => { window.tokenized = r; document.getElementById("status").textContent = "Saved"; return r; },
    (e) => { window.refused = e.message; document.getElementById("status").textContent = e.message; throw e; });
  window.process = () => card.process().then((r) => (window.processed = r), (e) => (window.refused = e.message));
  document.getElementById("pay").addEventListener("click", () => window.tokenize().catch(() => {}));
  window.ready = true;
} catch (e) {
  window.initError = String((e && e.message) || e);
}
</script></body></html>`

// sdkSite is cardvault and merchant pages served over HTTPS under test
// names, with a browser that resolves and trusts them.
type sdkSite struct {
	e         *vaulttest.Env
	https     *browsertest.HTTPS
	vault     string
	completes atomic.Int32
	browser   context.Context
}

// newSDKSite serves the vault at https://vault.test and the same checkout
// page at https://shop.test and https://other.test.
func newSDKSite(t *testing.T) *sdkSite {
	t.Helper()
	module := sdkModule(t)
	s := &sdkSite{e: newEnv(t, nil), https: browsertest.NewHTTPS(t, "vault.test", "shop.test", "other.test")}
	s.vault = s.https.Serve(t, "vault.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/complete-action") && r.Method == http.MethodPost {
			s.completes.Add(1)
		}
		s.e.Server.ServeHTTP(w, r)
	}))
	shop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sdk/hellgate-sdk.mjs" {
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(module)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, checkoutPage, "vault.test", s.vault)
	})
	s.https.Serve(t, "shop.test", shop)
	s.https.Serve(t, "other.test", shop)
	s.browser = browsertest.Start(t, s.https.Options()...)
	return s
}

// checkout opens the checkout of session id at the merchant's origin and
// waits until the SDK mounted its fields.
func (s *sdkSite) checkout(t *testing.T, origin, id string, opts ...chromedp.Action[chromedp.Void]) context.Context {
	t.Helper()
	page := browsertest.Tab(t, s.browser)
	browsertest.Do(t, page, append(opts, chromedp.Navigate(origin+"/?session="+id))...)
	if err := browsertest.Poll[string](t, page, `window.ready ? "ready" : window.initError ? "error: " + window.initError : ""`); err != "ready" {
		t.Fatalf("the SDK did not start: %s", err)
	}
	return page
}

// typeInto types text into the input of the field frame for element.
func (s *sdkSite) typeInto(t *testing.T, page context.Context, element, input, text string) {
	t.Helper()
	fr := browsertest.Frame(t, page, s.vault+"/web/v3.11.0/iframe/?field="+element+"&")
	browsertest.Poll[bool](t, fr, `document.readyState === "complete" && !!document.getElementById("`+input+`")`)
	browsertest.Do(t, fr, chromedp.SendKeys(chromedp.ID(input), text))
}

// tokenize waits until the SDK's form is valid, tokenizes with it and
// returns the stored token as the API shows it.
func (s *sdkSite) tokenize(t *testing.T, page context.Context) token {
	t.Helper()
	browsertest.Poll[bool](t, page, `!!(window.formState && window.formState.valid)`)
	browsertest.Do(t, page, chromedp.Evaluate[chromedp.Void](`window.tokenize().catch(() => {})`))
	res := browsertest.Poll[map[string]any](t, page, `window.tokenized || (window.refused ? {refused: window.refused} : null)`)
	tokenID, _ := res["token_id"].(string)
	if tokenID == "" {
		t.Fatalf("tokenize answered %v", res)
	}
	resp, b := s.e.Do(t, "GET", "/api/pci/tokens/"+tokenID, "", "x-api-key", s.e.AdminKey)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %d %s", resp.StatusCode, b)
	}
	return vaulttest.Decode[token](t, b)
}

// TestHellgateWebSDK runs Hellgate's Web SDK, unchanged, against the
// vault's frames in headless Chromium over HTTPS.
func TestHellgateWebSDK(t *testing.T) {
	s := newSDKSite(t)
	t.Run("a card typed in the SDK's fields is tokenized into the session", func(t *testing.T) { testSDKTokenize(t, s) })
	t.Run("the SDK's combined card form tokenizes too", func(t *testing.T) { testSDKCombined(t, s) })
	t.Run("separate expiry month and year fields tokenize too", func(t *testing.T) { testSDKSeparate(t, s) })
	t.Run("a Luhn failure is reported by the SDK before any request", func(t *testing.T) { testSDKLuhn(t, s) })
	t.Run("a security-code session takes the code through process()", func(t *testing.T) { testSDKRefresh(t, s) })
	t.Run("a page on an origin the session does not allow gets nothing", func(t *testing.T) { testSDKOtherOrigin(t, s) })
	t.Run("the checkout fits a phone and a desktop", func(t *testing.T) { testSDKLayout(t, s) })
}

// expiryTyped is an expiry three years ahead as typed (MMYY) and its year.
func expiryTyped() (string, int) {
	y := time.Now().Year() + 3
	return fmt.Sprintf("12%02d", y%100), y
}

func testSDKTokenize(t *testing.T, s *sdkSite) {
	id := formSession(t, s.e, "https://shop.test")
	page := s.checkout(t, "https://shop.test", id)
	typed, year := expiryTyped()
	s.typeInto(t, page, "cardNumber", "hg-number", pan)
	s.typeInto(t, page, "cardExpirationDate", "hg-expiry", typed)
	s.typeInto(t, page, "cardVerificationCode", "hg-cvc", "123")
	s.typeInto(t, page, "text", "hg-text", "Ada Lovelace")
	state := browsertest.Poll[map[string]any](t, page, `window.formState && window.formState.valid ? window.formState : null`)
	if state["complete"] != true || state["empty"] != false {
		t.Fatalf("the SDK's form state: %v", state)
	}
	shown := browsertest.Eval[string](t, browsertest.Frame(t, page, s.vault+"/web/v3.11.0/iframe/?field=cardNumber&"), `document.getElementById("hg-number").value`)
	if shown != "4111 1111 1111 1111" {
		t.Errorf("the number field shows %q", shown)
	}
	browsertest.Do(t, page, chromedp.Evaluate[chromedp.Void](`window.tokenize().catch(() => {})`))
	res := browsertest.Poll[map[string]any](t, page, `window.tokenized || (window.refused ? {refused: window.refused} : null)`)
	tokenID, _ := res["token_id"].(string)
	if tokenID == "" {
		t.Fatalf("tokenize answered %v", res)
	}
	done := browsertest.Poll[map[string]any](t, page, `window.completed || null`)
	if data, _ := done["data"].(map[string]any); done["status"] != "success" || data["token_id"] != tokenID {
		t.Errorf("onSessionComplete got %v", done)
	}

	// The merchant's API shows the session complete and the stored card.
	resp, b := s.e.Do(t, "GET", "/api/sessions/"+id, "", "x-api-key", s.e.AdminKey)
	if m := vaulttest.Decode[map[string]any](t, b); resp.StatusCode != http.StatusOK || m["status"] != "completed" || m["token_id"] != tokenID {
		t.Fatalf("merchant view: %d %s", resp.StatusCode, b)
	}
	resp, b = s.e.Do(t, "GET", "/api/pci/tokens/"+tokenID, "", "x-api-key", s.e.AdminKey)
	if tok := vaulttest.Decode[token](t, b); resp.StatusCode != http.StatusOK || tok.Card.Masked != "411111******1111" ||
		tok.Card.CardholderName != "Ada Lovelace" || tok.Card.ExpiryMonth != 12 || tok.Card.ExpiryYear != year || tok.Card.Scheme != "visa" {
		t.Fatalf("token: %d %s", resp.StatusCode, b)
	}
	if !codeAvailable(t, s.e, tokenID) {
		t.Error("the typed security code is not held")
	}

	// Every message the page got came from the vault, and none held card data.
	msgs := browsertest.Eval[[]received](t, page, `window.received`)
	raw, _ := json.Marshal(msgs)
	for _, m := range msgs {
		if m.Origin != s.vault {
			t.Errorf("a message from %s", m.Origin)
		}
	}
	for _, secret := range []string{pan, "1111 1111", `"123"`, "Ada Lovelace"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("card data %q reached the merchant's page: %s", secret, raw)
		}
	}
	s.e.AssertLogClean(t, id, pan, `"123"`)
}

func testSDKCombined(t *testing.T, s *sdkSite) {
	id := formSession(t, s.e, "https://shop.test")
	page := s.checkout(t, "https://shop.test", id+"&form=combined")
	typed, year := expiryTyped()
	s.typeInto(t, page, "card", "hg-number", amexPAN)
	s.typeInto(t, page, "card", "hg-expiry", typed)
	s.typeInto(t, page, "card", "hg-cvc", "123")
	if c := browsertest.Poll[map[string]any](t, page, `window.changes.length ? window.changes[window.changes.length - 1] : null`); c["valid"] != false {
		t.Errorf("an American Express card with a 3-digit code: %v", c)
	}
	s.typeInto(t, page, "card", "hg-cvc", "4")
	tok := s.tokenize(t, page)
	if tok.Card.Scheme != "american express" || tok.Card.ExpiryYear != year {
		t.Fatalf("token: %+v", tok)
	}
}

func testSDKSeparate(t *testing.T, s *sdkSite) {
	id := formSession(t, s.e, "https://shop.test")
	page := s.checkout(t, "https://shop.test", id+"&form=separate")
	_, year := expiryTyped()
	s.typeInto(t, page, "cardNumber", "hg-number", "5555555555554444")
	s.typeInto(t, page, "cardExpirationMonth", "hg-month", "3")
	s.typeInto(t, page, "cardExpirationYear", "hg-year", fmt.Sprintf("%02d", year%100))
	s.typeInto(t, page, "cardVerificationCode", "hg-cvc", "123")
	month := browsertest.Frame(t, page, s.vault+"/web/v3.11.0/iframe/?field=cardExpirationMonth&")
	if got := browsertest.Eval[[]string](t, month, `[document.getElementById("hg-month").value, document.title,
		document.querySelector("label[for=hg-month]").textContent, document.getElementById("hg-month").autocomplete]`); got[0] != "03" ||
		got[1] != "Card expiry month" || got[2] != "Expiry month (MM)" || got[3] != "cc-exp-month" {
		t.Errorf("the month field: %q", got)
	}
	tok := s.tokenize(t, page)
	if tok.Card.ExpiryMonth != 3 || tok.Card.ExpiryYear != year || tok.Card.Scheme != "mastercard" {
		t.Fatalf("token: %+v", tok)
	}
}

func testSDKLuhn(t *testing.T, s *sdkSite) {
	id := formSession(t, s.e, "https://shop.test")
	page := s.checkout(t, "https://shop.test", id)
	typed, _ := expiryTyped()
	before := s.completes.Load()
	s.typeInto(t, page, "cardNumber", "hg-number", "4111111111111112")
	s.typeInto(t, page, "cardExpirationDate", "hg-expiry", typed)
	s.typeInto(t, page, "cardVerificationCode", "hg-cvc", "123")
	change := browsertest.Poll[map[string]any](t, page, `window.changes.find((c) => c.complete) || null`)
	if change["valid"] != false || change["errorCode"] != "LUHN_CHECK_FAILED" {
		t.Fatalf("the number field's change event: %v", change)
	}
	browsertest.Do(t, page, chromedp.Evaluate[chromedp.Void](`window.tokenize().catch(() => {})`))
	refused := browsertest.Poll[string](t, page, `window.refused || ""`)
	if !strings.Contains(refused, "not valid") {
		t.Errorf("tokenize refused with %q", refused)
	}
	if n := s.completes.Load() - before; n != 0 {
		t.Errorf("%d complete-action requests reached the vault", n)
	}
	resp, b := s.e.Do(t, "GET", "/api/sessions/"+id, "", "x-api-key", s.e.AdminKey)
	if m := vaulttest.Decode[map[string]any](t, b); resp.StatusCode != http.StatusOK || m["status"] != "pending" {
		t.Fatalf("merchant view: %d %s", resp.StatusCode, b)
	}
}

func testSDKRefresh(t *testing.T, s *sdkSite) {
	tok := createToken(t, s.e, s.e.AdminKey, panBody) // holds security code 123
	resp, b := s.e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/security-code", `{"allowed_origins":["https://shop.test"]}`, "x-api-key", s.e.AdminKey)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("refresh: %d %s", resp.StatusCode, b)
	}
	id := vaulttest.Decode[map[string]string](t, b)["session_id"]
	page := s.checkout(t, "https://shop.test", id)
	number := browsertest.Frame(t, page, s.vault+"/web/v3.11.0/iframe/?field=cardNumber&")
	shown := browsertest.Poll[[]any](t, number, `(() => { const i = document.getElementById("hg-number");
		return i && i.value ? [i.value, i.readOnly || i.disabled] : null; })()`)
	if shown[0] != "411111 ****** 1111" || shown[1] != true {
		t.Errorf("the number field shows %v", shown)
	}
	s.typeInto(t, page, "cardVerificationCode", "hg-cvc", "987")
	browsertest.Poll[bool](t, page, `!!(window.formState && window.formState.valid)`)
	browsertest.Do(t, page, chromedp.Evaluate[chromedp.Void](`window.process()`))
	res := browsertest.Poll[map[string]any](t, page, `window.processed || (window.refused ? {refused: window.refused} : null)`)
	if data, _ := res["data"].(map[string]any); res["status"] != "success" || data["token_id"] != tok.ID {
		t.Fatalf("process answered %v", res)
	}
	code, err := s.e.Vault.SecurityCode(context.Background(), vault.DefaultTenant, tok.ID)
	if err != nil || code.Digits() != "987" {
		t.Fatalf("held code after the SDK: %v", err)
	}
	s.e.AssertLogClean(t, id, `"987"`)
}

func testSDKOtherOrigin(t *testing.T, s *sdkSite) {
	id := formSession(t, s.e, "https://shop.test")
	page := browsertest.Tab(t, s.browser)
	browsertest.Do(t, page, chromedp.Navigate("https://other.test/?session="+id))
	browsertest.Poll[bool](t, page, `window.initStarted === true`)
	// The coordinator frame is refused: the browser shows its error page,
	// where no script runs, so nothing can be posted from it afterwards.
	fr := browsertest.Frame(t, page, s.vault+"/web/v3.11.0/iframe/?type=coordinator")
	if got := browsertest.FormState(t, fr); got != "blocked" {
		t.Fatalf("the coordinator loaded on another origin: %s", got)
	}
	got := browsertest.Eval[[]any](t, page, `[window.received.length, !!window.ready, document.querySelectorAll("#number iframe").length]`)
	if got[0] != float64(0) || got[1] != false || got[2] != float64(0) {
		t.Errorf("the other origin got messages, a started SDK or fields: %v", got)
	}
	// The vault refuses it outright too.
	resp, err := s.https.Client().Get(s.vault + "/web/v3.11.0/iframe/?type=coordinator&sessionId=" + id +
		"&apiBaseUrl=" + s.vault + "&origin=https%3A%2F%2Fother.test")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusForbidden || strings.Contains(body.String(), "<script") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
		t.Errorf("coordinator for another origin: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), body.String())
	}
}

func testSDKLayout(t *testing.T, s *sdkSite) {
	typed, _ := expiryTyped()
	for _, c := range []struct {
		width int64
		file  string
	}{{390, "hellgate-sdk-phone.png"}, {1280, "hellgate-sdk-desktop.png"}} {
		t.Run(fmt.Sprint(c.width), func(t *testing.T) { sdkLayout(t, s, c.width, c.file, typed) })
	}
}

// sdkLayout fills the checkout at width and checks and takes its screenshot.
func sdkLayout(t *testing.T, s *sdkSite, width int64, file, typed string) {
	id := formSession(t, s.e, "https://shop.test")
	page := s.checkout(t, "https://shop.test", id, chromedp.EmulateViewport(width, 760))
	s.typeInto(t, page, "cardNumber", "hg-number", "5555555555554444")
	s.typeInto(t, page, "cardExpirationDate", "hg-expiry", typed)
	s.typeInto(t, page, "cardVerificationCode", "hg-cvc", "123")
	s.typeInto(t, page, "text", "hg-text", "Ada Lovelace")
	browsertest.Poll[bool](t, page, `!!(window.formState && window.formState.valid)`)
	browsertest.Screenshot(t, page, width, filepath.Join("..", "..", "..", "docs", "screenshots", file), *updateShots)
}
