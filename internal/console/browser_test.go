package console_test

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cardvault/cardvault/internal/browsertest"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// update rewrites the console screenshots under docs/images.
var update = flag.Bool("update", false, "write the console screenshots to docs/images")

// TestConsoleInChromium signs in, creates a key, uses it, finds its first
// use in the audit view, revokes it and sees its next request refused, all
// through the pages in headless Chromium, then checks the layout at desktop
// and phone widths and takes the screenshots docs/console.md shows.
func TestConsoleInChromium(t *testing.T) {
	browser := browsertest.Start(t)
	e := newEnv(t)
	page := browsertest.Tab(t, browser)

	browsertest.Do(t, page, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(e.URL+"/console/"))
	await(t, page, `location.pathname === "/console/login" && document.readyState === "complete"`)
	browsertest.Do(t, page, chromedp.SendKeys(chromedp.ID("key"), e.AdminKey), chromedp.Submit(chromedp.ID("key")))
	await(t, page, `location.pathname === "/console/keys" && !!document.getElementById("create")`)

	browsertest.Do(t, page, chromedp.SendKeys(chromedp.ID("name"), "checkout server"),
		chromedp.Click(chromedp.ID("scope-cards-write")), chromedp.Click(chromedp.ID("scope-cards-reveal")),
		chromedp.Submit(chromedp.ID("name")))
	await(t, page, `!!document.getElementById("secret")`)
	got := browsertest.Poll[[]string](t, page, `document.getElementById("secret") ?
		[document.getElementById("secret").textContent, document.getElementById("created-id").textContent] : null`)
	secret, id := got[0], got[1]
	if len(secret) < 32 || !regexp.MustCompile(`^key_`).MatchString(id) {
		t.Fatalf("created key %q %q", secret, id)
	}
	if n := browsertest.Eval[int](t, page, `document.scripts.length`); n != 0 {
		t.Errorf("the console page has %d scripts", n)
	}
	screenshot(t, page, 1280, "console-keys-desktop.png")

	// The new key's first use: store a card and reveal it.
	r, body := e.Do(t, "POST", "/cardvault/v1/cards", `{"number":"4111111111111111","expiry":"12/39","holder":"Ada Lovelace"}`, "X-Api-Key", secret)
	card := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(string(body))
	if r.StatusCode != http.StatusCreated || card == nil {
		t.Fatalf("store with the new key: %d", r.StatusCode)
	}
	if r, _ := e.Do(t, "GET", "/cardvault/v1/cards/"+card[1]+"/reveal", "", "X-Api-Key", secret); r.StatusCode != http.StatusOK {
		t.Fatalf("reveal with the new key: %d", r.StatusCode)
	}

	browsertest.Do(t, page, chromedp.Navigate(e.URL+"/console/audit"))
	browsertest.Poll[bool](t, page, `!!document.getElementById("filter-key")`)
	browsertest.Do(t, page, chromedp.SendKeys(chromedp.ID("filter-key"), id), chromedp.Submit(chromedp.ID("filter-key")))
	await(t, page, `location.search.includes("key=") && !!document.getElementById("audit")`)
	rows := browsertest.Poll[string](t, page, `location.search.includes("key=") && document.getElementById("audit") ?
		document.getElementById("audit").innerText : ""`)
	if !regexp.MustCompile(`card\.reveal\s+` + regexp.QuoteMeta(id) + `\s+` + regexp.QuoteMeta(card[1])).MatchString(rows) {
		t.Errorf("the audit view filtered by the key does not show its reveal:\n%s", rows)
	}
	browsertest.Do(t, page, chromedp.Click(`#verify button`))
	await(t, page, `!!document.getElementById("verify-result")`)
	if v := browsertest.Poll[string](t, page, `document.getElementById("verify-result") ? document.getElementById("verify-result").textContent : ""`); !regexp.MustCompile(`^Chain intact`).MatchString(v) {
		t.Errorf("verify shows %q", v)
	}
	screenshot(t, page, 1280, "console-audit-desktop.png")
	if html := browsertest.Eval[string](t, page, `document.documentElement.outerHTML`); regexp.MustCompile(`4111111111111111|411111\d{6}1111`).MatchString(html) {
		t.Error("the audit page shows a card number")
	}

	browsertest.Do(t, page, chromedp.Navigate(e.URL+"/console/keys"))
	browsertest.Poll[bool](t, page, `!!document.getElementById("revoke-`+id+`")`)
	screenshot(t, page, 375, "console-keys-phone.png")
	browsertest.Do(t, page, chromedp.EmulateViewport(1280, 800), chromedp.Click(chromedp.ID("revoke-"+id)))
	await(t, page, `!document.getElementById("revoke-`+id+`") && !!document.getElementById("key-`+id+`")`)
	state := browsertest.Poll[string](t, page, `!document.getElementById("revoke-`+id+`") && document.getElementById("key-`+id+`") ?
		document.getElementById("key-`+id+`").innerText : ""`)
	if !regexp.MustCompile(`revoked`).MatchString(state) {
		t.Errorf("after revoking, the key's row says %q", state)
	}
	if r, _ := e.Do(t, "GET", "/cardvault/v1/cards/"+card[1], "", "X-Api-Key", secret); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("the revoked key's next request: %d, want 401", r.StatusCode)
	}
	// The platform admin's tenants page: create a tenant through the form.
	browsertest.Do(t, page, chromedp.Navigate(e.URL+"/console/tenants"))
	browsertest.Poll[bool](t, page, `!!document.getElementById("create-tenant")`)
	browsertest.Do(t, page, chromedp.SendKeys(chromedp.ID("tenant-id"), "shop-b"), chromedp.SendKeys(chromedp.ID("tenant-name"), "Shop B"),
		chromedp.Submit(chromedp.ID("tenant-id")))
	await(t, page, `!!document.getElementById("tenant-shop-b") && !!document.getElementById("disable-shop-b")`)
	screenshot(t, page, 1280, "console-tenants-desktop.png")
	for _, p := range []string{"tenants", "forwards", "forms"} {
		browsertest.Do(t, page, chromedp.Navigate(e.URL+"/console/"+p))
		browsertest.Poll[bool](t, page, `document.readyState === "complete" && !!document.querySelector("table")`)
		if n := browsertest.Eval[int](t, page, `document.scripts.length`); n != 0 {
			t.Errorf("the %s page has %d scripts", p, n)
		}
		screenshot(t, page, 375, "console-"+p+"-phone.png")
	}
	// The forwards page with the forward allowlist, built-in rules marked.
	browsertest.Do(t, page, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(e.URL+"/console/forwards"))
	rules := browsertest.Poll[string](t, page, `document.getElementById("allowlist-rules") ? document.getElementById("allowlist-rules").innerText : ""`)
	if !strings.Contains(rules, "built in: Stripe") || !strings.Contains(rules, "configured") {
		t.Errorf("the allowlist view shows:\n%s", rules)
	}
	screenshot(t, page, 1280, "console-forwards-desktop.png")
	networkTokensAndWebhooks(t, e, page)
	// The live preview of a hosted form: the form, in a sandboxed frame,
	// captures a test card for the preview key, which nobody can open.
	f, err := e.Forms.CreateForm(context.Background(), vault.DefaultTenant, forms.FormInput{Type: forms.FormTypePCD, Title: "Checkout"})
	if err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, page, chromedp.Navigate(e.URL+"/console/forms"))
	browsertest.Poll[bool](t, page, `!!document.getElementById("preview-`+f.ID+`")`)
	browsertest.Do(t, page, chromedp.Click(chromedp.ID("preview-"+f.ID)))
	await(t, page, `location.pathname === "/console/forms/`+f.ID+`/preview" && !!document.getElementById("preview")`)
	fr := browsertest.Frame(t, page, e.URL+"/v1/capture/iframe/"+f.ID)
	if state := browsertest.FormState(t, fr); state != "form" {
		t.Fatalf("the preview frame shows %q", state)
	}
	screenshot(t, page, 1280, "console-preview-desktop.png")
	browsertest.TypeCard(t, fr, map[string]string{"card_number": "4242424242424242", "expiry": "12/39", "cvv": "123", "card_holder": "Ada Lovelace"})
	browsertest.Do(t, fr, chromedp.Click(chromedp.ID("cv-submit")))
	for {
		entries, _, err := e.PCI.ListEntries(context.Background(), vault.DefaultTenant, pcivault.PreviewUser, vault.Page{Limit: 10})
		if err != nil && vault.CodeOf(err) != vault.CodeNotFound {
			t.Fatal(err)
		}
		if len(entries) == 1 {
			break
		}
		select {
		case <-page.Done():
			t.Fatalf("the preview captured nothing: %v", page.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	screenshot(t, page, 375, "console-preview-phone.png")
	browsertest.Do(t, page, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(e.URL+"/console/health"))
	browsertest.Poll[bool](t, page, `!!document.getElementById("requests")`)
	screenshot(t, page, 1280, "console-health-desktop.png")
	vaultAssertClean(t, e, secret)
}

// await waits until expr is true in the page, across the navigations a
// form post causes (a poll dies with the document it ran in; start another).
func await(t *testing.T, page context.Context, expr string) {
	t.Helper()
	for {
		ok, err := chromedp.Run(page, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if page.Err() != nil {
			t.Fatalf("waiting for %s: %v (last error %v)", expr, page.Err(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// screenshot checks the page at width (no sideways scrolling) and, with
// -update, writes it to docs/images.
func screenshot(t *testing.T, page context.Context, width int64, file string) {
	t.Helper()
	browsertest.Do(t, page, chromedp.EmulateViewport(width, 800))
	if w := browsertest.Eval[float64](t, page, `document.documentElement.scrollWidth`); w > float64(width) {
		t.Errorf("%s: at %d px the page scrolls sideways (%v px wide)", file, width, w)
	}
	shot, err := chromedp.Run(page, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil || int64(img.Bounds().Dx()) != width {
		t.Fatalf("screenshot at %d px: %v", width, err)
	}
	if *update {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "images", file), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// vaultAssertClean checks the vault's log for the key's secret and the number.
func vaultAssertClean(t *testing.T, e *vaulttest.Env, secret string) {
	t.Helper()
	e.AssertLogClean(t, secret, "4111111111111111")
}

// networkTokensAndWebhooks shows two network tokens (one suspended) and a
// webhook endpoint with a delivery due, checks neither page holds a
// script, a full card or token number or the endpoint's secret, and takes
// their screenshots at desktop and phone widths.
func networkTokensAndWebhooks(t *testing.T, e *vaulttest.Env, page context.Context) {
	t.Helper()
	ctx := context.Background()
	cardID := storeCard(t, e, vault.DefaultTenant, "4111111111111111")
	toks := provision(t, e, vault.DefaultTenant, cardID, 2)
	if _, err := e.NetworkTokens.Suspend(ctx, vault.DefaultTenant, toks[1].ID); err != nil {
		t.Fatal(err)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	hooks := webhooks.New(e.Vault, vaulttest.Relay(t, down.URL), e.Logger, webhooks.Options{})
	ep, err := hooks.Create(ctx, vault.DefaultTenant, webhooks.NewEndpoint{URL: down.URL + "/cardvault/receiver-path",
		Events: []string{webhooks.EventNetworkTokenSuspended, webhooks.EventSecurityCodeExpired}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hooks.Publish(ctx, webhooks.Event{Type: webhooks.EventNetworkTokenSuspended, Tenant: vault.DefaultTenant,
		Data: map[string]string{"card_id": cardID, "network_token_id": toks[1].ID}}); err != nil {
		t.Fatal(err)
	}
	if n, err := hooks.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("deliver: %d %v", n, err)
	}
	for _, p := range []struct{ path, table, name string }{{"network-tokens", "network-tokens", "networktokens"}, {"webhooks", "webhook-" + ep.ID, "webhooks"}} {
		browsertest.Do(t, page, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(e.URL+"/console/"+p.path))
		browsertest.Poll[bool](t, page, `document.readyState === "complete" && !!document.getElementById("`+p.table+`")`)
		if n := browsertest.Eval[int](t, page, `document.scripts.length`); n != 0 {
			t.Errorf("the %s page has %d scripts", p.path, n)
		}
		html := browsertest.Eval[string](t, page, `document.documentElement.outerHTML`)
		for _, secret := range []string{"4111111111111111", "411111", toks[0].DPAN.Digits(), toks[1].DPAN.Digits(), ep.Secret, "receiver-path"} {
			if strings.Contains(html, secret) {
				t.Errorf("the %s page shows a card or token number, the endpoint's secret or its path", p.path)
			}
		}
		screenshot(t, page, 1280, "console-"+p.name+"-desktop.png")
		screenshot(t, page, 375, "console-"+p.name+"-phone.png")
	}
	browsertest.Do(t, page, chromedp.EmulateViewport(1280, 800))
}
