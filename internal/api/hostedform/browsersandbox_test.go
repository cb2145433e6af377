package hostedform_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/api/guardian"
	"github.com/cardvault/cardvault/internal/api/hostedform"
	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/browsertest"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vaulttest"

	"github.com/chromedp/chromedp"
)

// probeCallback is a tenant's success callback that tries what a hostile
// one would: read the vault origin's cookies and storage, and the card
// inputs of every other frame in the window. It reports each attempt
// (the value read, or the name of the error) to its parent and in the
// page.
const probeCallback = `function(responseData) {
  const probe = (read) => { try { return "read: " + String(read()); } catch (e) { return e.name; } };
  const frames = [];
  for (let i = 0; i < parent.frames.length; i++) {
    const f = parent.frames[i];
    frames.push(f === window ? "self" : probe(() => {
      const d = f.document;
      const input = d.getElementById("cv-card_number") || d.getElementById("hg-number");
      return input ? input.value : d.title;
    }));
  }
  const result = {origin: String(window.origin), cookie: probe(() => document.cookie),
    storage: probe(() => localStorage.getItem("probe")), frames: frames, token: responseData.token};
  document.body.dataset.probe = JSON.stringify(result);
  parent.postMessage({type: "probe", result: result}, "*");
}`

// probeResult is what probeCallback reports.
type probeResult struct {
	Origin  string   `json:"origin"`
	Cookie  string   `json:"cookie"`
	Storage string   `json:"storage"`
	Frames  []string `json:"frames"`
	Token   string   `json:"token"`
}

// sandboxEnv is a vault that also serves Hellgate's Web SDK frames, the
// card fields any tenant's checkout embeds from the vault's origin.
func sandboxEnv(t *testing.T) *env {
	t.Helper()
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		return []server.Facade{hostedform.New(d), pcivault.New(d), guardian.New(d)}
	}})
	return &env{Env: e, basic: vaulttest.BasicAuth(e.AdminKey)}
}

// TestBrowserCallbackIsSandboxed: a merchant page (another origin) holds
// three frames of the vault's origin: another tenant's card form with a
// card typed in, a Hellgate card number field, and a tenant's form whose
// callback probes them. Same-origin script would read the typed card (the
// test shows it from the card form itself); the callback, sandboxed in an
// opaque origin, gets SecurityError for every frame, the cookies and the
// storage, while its own card is still stored and the callback runs, framed
// and loaded as a top-level page.
func TestBrowserCallbackIsSandboxed(t *testing.T) {
	browser := browsertest.Start(t)
	e := sandboxEnv(t)
	e.setup(t)

	// The other tenant: its PCI Vault key and a capture endpoint, loaded
	// in the built-in card form.
	other := vaulttest.BasicAuth(e.TenantKey(t, "tenant-b"))
	resp, body := e.Do(t, "POST", "/v1/key", `{"user":"`+user+`","passphrase":"`+passphrase+`"}`, "Authorization", other)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.Do(t, "POST", "/v1/capture"+q("user", user, "passphrase", passphrase, "ttl", "PT10M"), "", "Authorization", other)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	victimEP := vaulttest.Decode[endpoint](t, body)

	var mu sync.Mutex
	var checkout string
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, checkout)
	}))
	t.Cleanup(shop.Close)
	shopURL := strings.Replace(shop.URL, "127.0.0.1", "localhost", 1)

	// The other tenant's form, without callbacks: served in the vault's
	// origin, framed by the shop.
	resp, body = e.Do(t, "POST", hostedform.Prefix+"?form_type=pcd&form_id=other-tenant-form", `{"allowed_origins":["`+shopURL+`"]}`,
		"Authorization", other)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	f := e.createForm(t, `{"allowed_origins":["`+shopURL+`"],"success_callback":"`+b64(probeCallback)+`"}`)
	ep := e.createEndpoint(t, "ttl", "PT10M")
	hgField := e.URL + "/web/v3.11.0/iframe/?field=cardNumber&origin=" + url.QueryEscape(shopURL)
	mu.Lock()
	checkout = `<!doctype html><html lang="en"><head><title>Checkout</title></head><body>
<iframe id="victim" title="Other tenant's card form" src="` + e.URL + formPath("other-tenant-form", victimEP) + `" width="480" height="600"></iframe>
<iframe id="field" title="Card number" src="` + hgField + `" width="480" height="80"></iframe>
<iframe id="card" title="Card details" src="` + e.URL + formPath(f.ID, ep) + `" width="480" height="600"></iframe>
<script>
window.received = [];
window.addEventListener("message", function (e) {
  window.received.push({origin: e.origin, fromFrame: e.source === document.getElementById("card").contentWindow, data: e.data});
});
</script></body></html>`
	mu.Unlock()

	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, chromedp.Navigate(shopURL))
	victim := browsertest.Frame(t, page, e.URL+hostedform.Prefix+"/other-tenant-form")
	if got := browsertest.FormState(t, victim); got != "form" {
		t.Fatalf("the other tenant's form is %s", got)
	}
	field := browsertest.Frame(t, page, e.URL+"/web/")
	browsertest.Poll[bool](t, field, `document.readyState === "complete" && !!document.getElementById("hg-number")`)
	browsertest.Do(t, field, chromedp.SendKeys(chromedp.ID("hg-number"), "378282246310005"))
	browsertest.TypeCard(t, victim, map[string]string{"card_number": "5555555555554444", "cvv": "999"})
	// Vault-origin state, and the threat: script of the vault's origin
	// reads the other frames' cards directly.
	control := browsertest.Eval[[]string](t, victim, `localStorage.setItem("probe", "vault-state"); document.cookie = "probe=vault-state";
		[parent.frames[1].document.getElementById("hg-number").value, localStorage.getItem("probe"),
		 document.getElementById("cv-card_number").value]`)
	if control[0] == "" || control[1] != "vault-state" || control[2] != "5555 5555 5555 4444" {
		t.Fatalf("same-origin control: %q", control)
	}

	fr := browsertest.Frame(t, page, e.URL+hostedform.Prefix+"/"+f.ID)
	if got := browsertest.FormState(t, fr); got != "form" {
		t.Fatalf("the callback form is %s", got)
	}
	typed, _ := expiryIn(3)
	browsertest.TypeCard(t, fr, map[string]string{"card_number": pan, "expiry": typed, "cvv": "123", "card_holder": "Ada Lovelace"})
	browsertest.Do(t, fr, chromedp.Click(chromedp.ID("cv-submit")))

	msgs := browsertest.Poll[[]message](t, page, `window.received.some((m) => m.data.type === "probe") &&
		window.received.some((m) => m.data.type === "cardvault:captured") ? window.received : null`)
	var got probeResult
	for _, m := range msgs {
		if m.Data["type"] != "probe" && m.Data["type"] != "cardvault:captured" {
			continue // the Hellgate field's own messages
		}
		if m.Origin != "null" || !m.FromFrame {
			t.Errorf("a %v message from origin %s (from the form: %v), want null from the form", m.Data["type"], m.Origin, m.FromFrame)
		}
		if m.Data["type"] == "probe" {
			got = vaulttest.Decode[probeResult](t, []byte(browsertest.Eval[string](t, fr, `document.body.dataset.probe`)))
		}
	}
	wantProbe := probeResult{Origin: "null", Cookie: "SecurityError", Storage: "SecurityError",
		Frames: []string{"SecurityError", "SecurityError", "self"}, Token: got.Token}
	if fmt.Sprint(got) != fmt.Sprint(wantProbe) {
		t.Errorf("the callback could reach %+v, want %+v", got, wantProbe)
	}
	if got.Token == "" || e.reveal(t, got.Token, "")["card_number"] != pan {
		t.Errorf("the card typed in the sandboxed form was not stored (token %q)", got.Token)
	}
	if v := browsertest.Eval[string](t, victim, `document.getElementById("cv-card_number").value`); v != "5555 5555 5555 4444" {
		t.Errorf("the other tenant's form now holds %q", v)
	}

	t.Run("loaded as a top-level page", func(t *testing.T) { testSandboxTopLevel(t, browser, e, f.ID) })
}

// testSandboxTopLevel loads the callback form as a page of its own (seed
// 001: "the user can be redirected to it"): the sandboxed page, with its
// opener policy, shows, takes the card, hides its secret and runs the
// callback.
func testSandboxTopLevel(t *testing.T, browser context.Context, e *env, formID string) {
	ep := e.createEndpoint(t, "ttl", "PT10M")
	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, chromedp.Navigate(e.URL+formPath(formID, ep)))
	if got := browsertest.FormState(t, page); got != "form" {
		t.Fatalf("the top-level form is %s", got)
	}
	if search := browsertest.Eval[string](t, page, `location.search`); strings.Contains(search, "secret") {
		t.Errorf("the address bar still reads %q", search)
	}
	typed, _ := expiryIn(2)
	browsertest.TypeCard(t, page, map[string]string{"card_number": "4012888888881881", "expiry": typed, "cvv": "456", "card_holder": "Grace Hopper"})
	browsertest.Do(t, page, chromedp.Click(chromedp.ID("cv-submit")))
	raw := browsertest.Poll[string](t, page, `document.body.dataset.probe || ""`)
	got := vaulttest.Decode[probeResult](t, []byte(raw))
	if got.Origin != "null" || got.Cookie != "SecurityError" || got.Storage != "SecurityError" || len(got.Frames) != 0 {
		t.Errorf("top-level, the callback reached %+v", got)
	}
	if got.Token == "" || e.reveal(t, got.Token, "")["card_number"] != "4012888888881881" {
		t.Errorf("the card typed in the top-level form was not stored (token %q)", got.Token)
	}
}
