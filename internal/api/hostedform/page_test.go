package hostedform_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vaulttest"
)

// load fetches a form page as a browser would.
func (e *env) load(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, body := e.Do(t, "GET", path, "", "Accept", "text/html,application/xhtml+xml")
	return resp, string(body)
}

func TestServeForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	f := e.createForm(t, `{"allowed_origins":["https://shop.example","http://localhost:8081"],"success_callback":"`+b64(seedCallback)+`"}`)
	ep := e.createEndpoint(t, "ttl", "PT10M")

	resp, page := e.load(t, formPath(f.ID, ep))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<form id="cv-form"`) {
		t.Fatalf("load: %d %s", resp.StatusCode, page)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'nonce-", "style-src 'nonce-", "connect-src 'self'",
		"form-action 'none'", "base-uri 'none'", "frame-ancestors 'self' https://shop.example http://localhost:8081"} {
		if !strings.Contains(csp, want) {
			t.Errorf("policy %q lacks %q", csp, want)
		}
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("Cache-Control") != "no-store" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("headers: %v", resp.Header)
	}
	if strings.Contains(page, ep.Secret) {
		t.Errorf("the page embeds the secret")
	}
	if !strings.Contains(page, `"submitURL":"/v1/capture/`+ep.id()+`?form_type=pcd"`) ||
		!strings.Contains(page, `"secretHeader":"X-PCIVault-Capture-Secret"`) {
		t.Errorf("the page does not post to its capture endpoint")
	}
	nonce := csp[strings.Index(csp, "'nonce-")+7:]
	nonce = nonce[:strings.Index(nonce, "'")]
	if !strings.Contains(page, "const cardvaultOnSuccess = (\n"+seedCallback+"\n);") ||
		strings.Count(page, `<script nonce="`+nonce+`">`) != 3 { // the callback, the card helpers, the form's script
		t.Errorf("the callback is not its own nonce'd script")
	}
	_, again := e.load(t, formPath(f.ID, ep)+"&reference=order-%3C42%3E")
	if strings.Contains(again, nonce) {
		t.Errorf("the nonce was reused")
	}
	if !strings.Contains(again, `"reference":"order-\u003c42\u003e"`) || !strings.Contains(again, `value="order-&lt;42&gt;"`) {
		t.Errorf("the reference from the link is not passed on, escaped")
	}
	e.AssertLogClean(t, ep.Secret)
	if !strings.Contains(e.Log.String(), `"route":"GET /v1/capture/iframe/{id}"`) {
		t.Errorf("the load is not in the access log")
	}
}

func TestServeSeedFormHidesFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	f := e.createForm(t, seedForm)
	resp, page := e.load(t, formPath(f.ID, e.createEndpoint(t)))
	if !strings.Contains(page, `autocomplete="cc-csc"`) {
		t.Fatalf("no CVV input")
	}
	for _, hidden := range []string{"cc-number", "cc-exp", "cc-name", `id="cv-reference"`} {
		if strings.Contains(page, hidden) {
			t.Errorf("hidden field rendered: %s", hidden)
		}
	}
	if !strings.Contains(page, "const cardvaultOnSuccess") {
		t.Errorf("callback missing")
	}
	// As at PCI Vault, any https site may frame a form that lists no
	// origins (the seed's body lists none); the script's message still goes
	// only to the vault's own origin.
	if !strings.HasSuffix(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'self' https:") {
		t.Errorf("a form without allowed origins has the policy %s", resp.Header.Get("Content-Security-Policy"))
	}
	if !strings.Contains(page, `"origins":[]`) {
		t.Errorf("a form without allowed origins posts its message to others")
	}
}

func TestServeFormRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	f := e.createForm(t, `{"allowed_origins":["https://shop.example"]}`)
	live := e.createEndpoint(t, "ttl", "PT1H")
	short := e.createEndpoint(t, "ttl", "PT10M")
	acme := vaulttest.BasicAuth(e.TenantKey(t, "acme"))
	resp, body := e.Do(t, "POST", "/v1/key", `{"user":"`+user+`","passphrase":"`+passphrase+`"}`, "Authorization", acme)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.Do(t, "POST", "/v1/capture"+q("user", user, "passphrase", passphrase), "", "Authorization", acme)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	foreign := vaulttest.Decode[endpoint](t, body)

	e.Clock.Advance(20 * time.Minute)
	cases := []struct {
		name, path string
		status     int
		says       string
	}{
		{"wrong secret", "/v1/capture/iframe/" + f.ID + q("unique_id", live.id(), "secret", "not-"+live.Secret), 401, "not valid"},
		{"no secret", "/v1/capture/iframe/" + f.ID + q("unique_id", live.id()), 401, "no secret"},
		{"no endpoint", "/v1/capture/iframe/" + f.ID + q("secret", live.Secret), 400, "unique_id"},
		{"unknown endpoint", "/v1/capture/iframe/" + f.ID + q("unique_id", "nope", "secret", live.Secret), 404, "expired"},
		{"expired endpoint", formPath(f.ID, short), 404, "expired"},
		{"unknown form", formPath("nope-nope", live), 404, "does not exist"},
		{"another tenant's endpoint", formPath(f.ID, foreign), 404, "expired"},
		{"unserved built-in form", formPath("custom", live), 404, "does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, page := e.load(t, c.path)
			if resp.StatusCode != c.status || strings.Contains(page, "<form") || strings.Contains(page, "<script") ||
				!strings.Contains(page, c.says) {
				t.Fatalf("%d %s", resp.StatusCode, page)
			}
			if resp.Header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("error page headers: %v", resp.Header)
			}
		})
	}
	t.Run("the built-in pcd form serves any tenant's endpoint", func(t *testing.T) {
		for _, ep := range []endpoint{live, foreign} {
			resp, page := e.load(t, formPath("pcd", ep))
			if resp.StatusCode != 200 || !strings.Contains(page, "cc-number") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
				t.Errorf("pcd: %d", resp.StatusCode)
			}
		}
	})
	t.Run("a title from the link", func(t *testing.T) {
		_, page := e.load(t, formPath(f.ID, live)+"&title=Pay+%3Cnow%3E")
		if !strings.Contains(page, "<h1>Pay &lt;now&gt;</h1>") {
			t.Errorf("title not shown escaped")
		}
	})
	e.AssertLogClean(t, live.Secret, short.Secret, foreign.Secret)
}
