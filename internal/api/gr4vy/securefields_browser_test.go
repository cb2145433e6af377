package gr4vy_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cardvault/cardvault/internal/browsertest"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// updateShots rewrites docs/screenshots/gr4vy-secure-fields-*.png.
var updateShots = flag.Bool("update-screenshots", false, "write the Secure Fields screenshots to docs/screenshots")

// secureFieldsLib is Gr4vy's Secure Fields library as npm installs it, the
// file a merchant's bundle or script tag loads. Install with:
//
//	npm ci --prefix internal/api/gr4vy/testdata/securefields
const secureFieldsLib = "testdata/securefields/node_modules/@gr4vy/secure-fields/lib/index.js"

// secureFieldsLibrary returns the library, unchanged. It skips the test
// when it is not installed, unless CARDVAULT_TEST_REQUIRE_SDK=1 (CI).
func secureFieldsLibrary(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(secureFieldsLib)
	if err != nil {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_SDK") == "1" {
			t.Fatalf("@gr4vy/secure-fields is missing (%v); run: npm ci --prefix internal/api/gr4vy/testdata/securefields", err)
		}
		t.Skipf("@gr4vy/secure-fields is missing (%v); run: npm ci --prefix internal/api/gr4vy/testdata/securefields", err)
	}
	return b
}

// shopPage is a merchant's checkout page written from the library's README:
// it sets window.SECURE_FIELDS_FRAME_URL to the vault (the one change), loads
// the library, mounts the three card fields and records every event.
const shopPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Checkout</title>
<style>
body { margin: 0; font-family: system-ui, sans-serif; background: #f6f8fa; color: #1f2328; }
main { max-width: 420px; margin: 32px auto; padding: 24px; background: #fff; border: 1px solid #d0d7de; border-radius: 12px; }
h1 { font-size: 1.25rem; margin: 0 0 20px; }
label { display: block; font-size: .875rem; font-weight: 600; margin: 0 0 6px; }
.secure-fields__input { height: 44px; padding: 0 10px; margin-bottom: 16px; background: #fff; border: 1px solid #818b98; border-radius: 8px; }
.secure-fields__input[data-secure-fields-focused] { outline: 3px solid #0969da; outline-offset: 1px; }
.secure-fields__input[data-secure-fields-invalid] { border-color: #cf222e; }
.row { display: flex; gap: 12px; } .row > div { flex: 1 1 0; min-width: 0; }
button { display: block; width: 100%; height: 48px; font: inherit; font-weight: 600; color: #fff; background: #0969da; border: 0; border-radius: 8px; }
#status { min-height: 1.4em; margin: 12px 0 0; font-size: .875rem; }
@media (max-width: 480px) { main { margin: 0; border-width: 0 0 1px; border-radius: 0; } }
</style></head>
<body><main>
<h1>Pay ACME Shop</h1>
<label for="cc-number">Card number</label><div id="cc-number"></div>
<div class="row">
<div><label for="cc-expiry">Expiry date</label><div id="cc-expiry"></div></div>
<div><label for="cc-cvv">Security code</label><div id="cc-cvv"></div></div>
</div>
<button type="button" id="pay">Save card</button>
<p id="status" role="status"></p>
</main>
<script>window.SECURE_FIELDS_FRAME_URL = "https://vault.test";</script>
<script src="/secure-fields.js"></script>
<script>
window.events = [];
const query = new URLSearchParams(location.search);
const config = { gr4vyId: "acme", environment: "sandbox", sessionId: query.get("session") };
if (query.get("pm")) config.paymentMethod = { id: query.get("pm"), scheme: query.get("scheme") };
const secureFields = new SecureFields(config);
const record = (name) => (data) => {
  window.events.push({ name: name, data: data });
  if (name === "CARD_VAULT_SUCCESS") document.getElementById("status").textContent = "Card saved.";
  if (name === "CARD_VAULT_FAILURE") document.getElementById("status").textContent = "Not saved: " + data.message;
};
for (const name of ["READY", "FORM_CHANGE", "CARD_VAULT_SUCCESS", "CARD_VAULT_FAILURE"]) {
  secureFields.addEventListener(SecureFields.Events[name], record(name));
}
const styles = { color: "#1f2328", fontSize: "16px", ":focus": { color: "#0a3069" }, "::placeholder": { color: "#6e7781" } };
const fields = [
  ["number", secureFields.addCardNumberField("#cc-number", { placeholder: "1234 1234 1234 1234", styles: styles })],
  ["expiryDate", secureFields.addExpiryDateField("#cc-expiry", { placeholder: "MM / YY", styles: styles })],
  ["securityCode", secureFields.addSecurityCodeField("#cc-cvv", { placeholder: "CVC", styles: styles })],
];
for (const [name, field] of fields) {
  for (const kind of ["input", "focus", "blur"]) field.addEventListener(kind, record(name + ":" + kind));
}
document.getElementById("pay").addEventListener("click", () => secureFields.submit());
</script></body></html>`

// sfEnv is a vault served over HTTPS as https://vault.test, a shop serving
// shopPage and the library as https://shop.test and https://other.test,
// and a browser that resolves those names to them.
type sfEnv struct {
	*vaulttest.Env
	key     string
	browser context.Context
	// puts counts the PUT /checkout/sessions/{id}/fields requests the vault received.
	puts atomic.Int32
}

func newSecureFieldsEnv(t *testing.T) *sfEnv {
	t.Helper()
	lib := secureFieldsLibrary(t)
	e := &sfEnv{Env: newEnv(t, "", forward.Options{})}
	sites := browsertest.NewHTTPS(t, "vault.test", "shop.test", "other.test")
	sites.Serve(t, "vault.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/fields") {
			e.puts.Add(1)
		}
		e.Server.ServeHTTP(w, r)
	}))
	shop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/secure-fields.js":
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write(lib)
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, shopPage)
		default:
			http.NotFound(w, r)
		}
	})
	sites.Serve(t, "shop.test", shop)
	sites.Serve(t, "other.test", shop)
	e.browser = browsertest.Start(t, sites.Options()...)
	e.key = e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead)
	return e
}

// session creates a checkout session with body and returns its id.
func (e *sfEnv) session(t *testing.T, body string) string {
	t.Helper()
	resp, b := e.Do(t, "POST", "/checkout/sessions", body, "Authorization", "Bearer "+e.key)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	return vaulttest.Decode[struct{ ID string }](t, b).ID
}

// checkoutCard returns the session's payment_method as the API shows it.
func (e *sfEnv) checkoutCard(t *testing.T, id string) map[string]any {
	t.Helper()
	resp, b := e.Do(t, "GET", "/checkout/sessions/"+id, "", "Authorization", "Bearer "+e.key)
	vaulttest.WantStatus(t, resp, b, http.StatusOK)
	pm, _ := vaulttest.Decode[map[string]any](t, b)["payment_method"].(map[string]any)
	return pm
}

// open loads the shop page of origin for the session at width.
func (e *sfEnv) open(t *testing.T, origin, session string, width int64) context.Context {
	t.Helper()
	page := browsertest.Tab(t, e.browser)
	browsertest.Do(t, page, chromedp.EmulateViewport(width, 800), chromedp.Navigate(origin+"/?session="+session))
	return page
}

// field returns the input frame of a field in the page of origin.
func field(t *testing.T, page context.Context, origin, name string) context.Context {
	t.Helper()
	return browsertest.Frame(t, page, "https://vault.test/input.html?parentOrigin="+origin+"&type="+name)
}

// typeInto types keys into a field's input, key by key.
func typeInto(t *testing.T, page context.Context, origin, name, keys string) {
	t.Helper()
	browsertest.Do(t, field(t, page, origin, name), chromedp.SendKeys(chromedp.ID("sf-input"), keys))
}

// countOf waits until the page recorded n events called name and returns
// the last one's data.
func countOf(t *testing.T, page context.Context, name string, n int) map[string]any {
	t.Helper()
	return browsertest.Poll[map[string]any](t, page, fmt.Sprintf(
		`(() => { const l = window.events.filter((e) => e.name === %q); return l.length >= %d ? (l[l.length - 1].data || {}) : null; })()`, name, n))
}

// expiryKeys is a valid expiry three years ahead, as typed: MMYY.
func expiryKeys() string { return fmt.Sprintf("12%02d", (time.Now().Year()+3)%100) }

// TestBrowserSecureFields runs Gr4vy's Secure Fields library from its npm
// package, unchanged, in Chromium against cardvault served over HTTPS: the
// merchant's page sets window.SECURE_FIELDS_FRAME_URL, mounts the fields,
// the shopper types a card, the page submits, and the checkout session
// holds the card, which the API then stores as a payment method.
func TestBrowserSecureFields(t *testing.T) {
	e := newSecureFieldsEnv(t)
	for _, c := range []struct {
		width int64
		shot  string
	}{{1280, "gr4vy-secure-fields-desktop.png"}, {390, "gr4vy-secure-fields-phone.png"}} {
		t.Run(c.shot, func(t *testing.T) {
			id := e.session(t, `{"amount":1299,"currency":"USD","allowed_origins":["https://shop.test"]}`)
			page := e.open(t, "https://shop.test", id, c.width)
			countOf(t, page, "READY", 1)
			typeInto(t, page, "https://shop.test", "number", visaPAN)
			typeInto(t, page, "https://shop.test", "expiryDate", expiryKeys())
			typeInto(t, page, "https://shop.test", "securityCode", "737")
			form := browsertest.Poll[map[string]any](t, page,
				`window.events.filter((e) => e.name === "FORM_CHANGE" && e.data.complete).map((e) => e.data).pop() || null`)
			if fs, _ := form["fields"].(map[string]any); fs["securityCode"].(map[string]any)["valid"] != true {
				t.Errorf("FORM_CHANGE says %v", form)
			}
			in := countOf(t, page, "number:input", len(visaPAN))
			if in["id"] != "number" || in["valid"] != true || in["schema"] != "visa" || in["codeLabel"] != "CVV" || in["bin"] != "411111" {
				t.Errorf("the number's last input event is %v", in)
			}
			all := browsertest.Eval[string](t, page, `JSON.stringify(window.events)`)
			if strings.Contains(all, visaPAN) || strings.Contains(all, "4111 1111") || strings.Contains(all, "737") {
				t.Errorf("the page received card data: %s", all)
			}
			if got := browsertest.Eval[float64](t, page, `document.documentElement.scrollWidth`); got > float64(c.width) {
				t.Errorf("at %d px the page scrolls sideways (%v px)", c.width, got)
			}
			if got := browsertest.Eval[string](t, field(t, page, "https://shop.test", "number"),
				`document.getElementById("sf-input").style.getPropertyValue("--focus-color") + " " + document.getElementById("sf-input").placeholder`); got != "#0a3069 1234 1234 1234 1234" {
				t.Errorf("the page's styles and placeholder reached the field as %q", got)
			}

			browsertest.Do(t, page, chromedp.Click(chromedp.ID("pay")))
			ok := browsertest.Poll[map[string]any](t, page,
				`window.events.filter((e) => e.name.startsWith("CARD_VAULT")).map((e) => ({name: e.name, data: e.data})).pop() || null`)
			if ok["name"] != "CARD_VAULT_SUCCESS" || ok["data"].(map[string]any)["scheme"] != "visa" {
				t.Fatalf("submit gave %v", ok)
			}
			browsertest.Poll[bool](t, page, `document.getElementById("status").textContent === "Card saved."`)
			e.screenshot(t, page, c.width, c.shot)
			pm := e.checkoutCard(t, id)
			if pm == nil || pm["scheme"] != "visa" || pm["label"] != "1111" {
				t.Fatalf("the checkout session holds %v", pm)
			}
			resp, b := e.Do(t, "POST", "/payment-methods", `{"method":"checkout-session","id":"`+id+`"}`, "Authorization", "Bearer "+e.key)
			vaulttest.WantStatus(t, resp, b, http.StatusCreated)
			if got := vaulttest.Decode[map[string]any](t, b); got["label"] != "1111" || got["scheme"] != "visa" {
				t.Errorf("the payment method stored from the session is %s", b)
			}
		})
	}

	t.Run("a Luhn failure is reported by the library before any request", func(t *testing.T) {
		id := e.session(t, `{}`)
		page := e.open(t, "https://shop.test", id, 1280)
		countOf(t, page, "READY", 1)
		before := e.puts.Load()
		typeInto(t, page, "https://shop.test", "number", "4111111111111112")
		in := countOf(t, page, "number:input", 16)
		if in["valid"] != false || in["empty"] != false {
			t.Errorf("the number's last input event is %v", in)
		}
		typeInto(t, page, "https://shop.test", "expiryDate", expiryKeys())
		typeInto(t, page, "https://shop.test", "securityCode", "737")
		countOf(t, page, "securityCode:input", 3)
		browsertest.Do(t, page, chromedp.Click(chromedp.ID("pay")))
		got := countOf(t, page, "CARD_VAULT_FAILURE", 1)
		if got["code"] != "bad_request" || !strings.Contains(fmt.Sprint(got["details"]), "/payment_method/number") {
			t.Errorf("CARD_VAULT_FAILURE gave %v", got)
		}
		if !browsertest.Eval[bool](t, page, `document.querySelector(".secure-fields__input--number").hasAttribute("data-secure-fields-invalid")`) {
			t.Error("the library did not mark the number field invalid")
		}
		if n := e.puts.Load() - before; n != 0 {
			t.Errorf("the frames sent %d requests for an invalid card", n)
		}
		if pm := e.checkoutCard(t, id); pm != nil {
			t.Errorf("the checkout session holds %v", pm)
		}
	})

	t.Run("the security code's length follows the number's scheme", func(t *testing.T) {
		page := e.open(t, "https://shop.test", e.session(t, `{}`), 1280)
		countOf(t, page, "READY", 1)
		typeInto(t, page, "https://shop.test", "number", amexPAN)
		if in := countOf(t, page, "number:input", len(amexPAN)); in["schema"] != "amex" || in["codeLabel"] != "CID" || in["valid"] != true {
			t.Errorf("the Amex number's last input event is %v", in)
		}
		typeInto(t, page, "https://shop.test", "securityCode", "737")
		if in := countOf(t, page, "securityCode:input", 3); in["valid"] != false {
			t.Errorf("a 3-digit code for an Amex card is %v", in)
		}
		typeInto(t, page, "https://shop.test", "securityCode", "4")
		if in := countOf(t, page, "securityCode:input", 4); in["valid"] != true {
			t.Errorf("a 4-digit code for an Amex card is %v", in)
		}
	})

	t.Run("a stored card's security code", func(t *testing.T) {
		resp, b := e.Do(t, "POST", "/payment-methods", `{"method":"card","number":"`+visaPAN+`","expiration_date":"12/30"}`, "Authorization", "Bearer "+e.key)
		vaulttest.WantStatus(t, resp, b, http.StatusCreated)
		pmID := vaulttest.Decode[struct{ ID string }](t, b).ID
		id := e.session(t, `{}`)
		page := e.open(t, "https://shop.test", id+"&pm="+pmID+"&scheme=visa", 1280)
		countOf(t, page, "READY", 1)
		typeInto(t, page, "https://shop.test", "securityCode", "7371")
		if in := countOf(t, page, "securityCode:input", 4); in["valid"] != true {
			t.Errorf("a Visa code typed as 7371 (cut to 3 digits) is %v", in)
		}
		browsertest.Do(t, page, chromedp.Click(chromedp.ID("pay")))
		got := browsertest.Poll[map[string]any](t, page,
			`window.events.filter((e) => e.name.startsWith("CARD_VAULT")).map((e) => ({name: e.name, data: e.data})).pop() || null`)
		if got["name"] != "CARD_VAULT_SUCCESS" || got["data"].(map[string]any)["method"] != "id" {
			t.Fatalf("submit gave %v", got)
		}
		if pm := e.checkoutCard(t, id); pm == nil || pm["id"] != pmID {
			t.Fatalf("the checkout session is about %v", pm)
		}
	})

	t.Run("a page on an origin the session does not allow gets nothing", func(t *testing.T) {
		id := e.session(t, `{"allowed_origins":["https://shop.test"]}`)
		page := e.open(t, "https://other.test", id, 1280)
		ctrl := browsertest.Frame(t, page, "https://vault.test/controller.html")
		if got := browsertest.Poll[string](t, ctrl, `location.protocol === "chrome-error:" ? "blocked" : document.readyState === "complete" ? "loaded" : ""`); got != "blocked" {
			t.Fatalf("the controller frame in https://other.test is %s", got)
		}
		before := e.puts.Load()
		typeInto(t, page, "https://other.test", "number", visaPAN)
		countOf(t, page, "number:input", len(visaPAN))
		typeInto(t, page, "https://other.test", "expiryDate", expiryKeys()[:1])
		browsertest.Do(t, page, chromedp.Click(chromedp.ID("pay")))
		// A message that left the fields after the submit: any answer to
		// the submit would have come before it.
		typeInto(t, page, "https://other.test", "expiryDate", expiryKeys()[1:])
		countOf(t, page, "expiryDate:input", 4)
		got := browsertest.Eval[string](t, page, `JSON.stringify(window.events.filter((e) => !e.name.includes(":")))`)
		if got != "[]" {
			t.Errorf("the page on a disallowed origin got %s", got)
		}
		if n := e.puts.Load() - before; n != 0 {
			t.Errorf("the frames sent %d requests from a disallowed origin", n)
		}
		if pm := e.checkoutCard(t, id); pm != nil {
			t.Errorf("the checkout session holds %v", pm)
		}
	})
	e.AssertLogClean(t, visaPAN, "4111111111111112", "737")
}

// screenshot checks a full-page screenshot at width and, with
// -update-screenshots, writes it to docs/screenshots.
func (e *sfEnv) screenshot(t *testing.T, page context.Context, width int64, file string) {
	t.Helper()
	shot, err := chromedp.Run(page, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil || int64(img.Bounds().Dx()) != width {
		t.Fatalf("screenshot at %d px: %v", width, err)
	}
	if *updateShots {
		dir := filepath.Join("..", "..", "..", "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
