package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/cardvault/cardvault/internal/api/hostedform"
	"github.com/cardvault/cardvault/internal/api/native"
	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/console"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/consolesessions"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// newEnv starts a vault with the native API and the console.
func newEnv(t *testing.T) *vaulttest.Env { return newNode(t, nil) }

// newNode is newEnv as another node of first (same store, keys and clock),
// or a new vault when first is nil.
func newNode(t *testing.T, first *vaulttest.Env) *vaulttest.Env {
	var env *vaulttest.Env
	env = vaulttest.New(t, vaulttest.Options{Node: first, Facades: func(d vaulttest.Deps) []server.Facade {
		gather := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return env.Registry.Gather() })
		return []server.Facade{
			native.New(d),
			// The hosted forms (and the capture endpoints they post to),
			// which the console's live preview frames.
			hostedform.New(d),
			pcivault.New(d),
			console.New(console.Deps{Keys: d.Vault, Tenants: d.Vault, Forms: d.Forms, Previews: d.PCI,
				Sessions: consolesessions.New(d.Vault, consolesessions.Options{}), Allowlist: allowlist(t), NetworkTokens: d.NetworkTokens,
				Webhooks: webhooks.New(d.Vault, nil, d.Logger(), webhooks.Options{}), Audit: d.Audit.(*audit.Log), Metrics: gather, Logger: d.Logger(),
				Now: func() time.Time {
					if env == nil { // while the environment is built
						return time.Now()
					}
					return env.Clock.Now()
				}}, console.Options{}),
		}
	}})
	return env
}

// allowlist is the relay's allowlist with the built-in providers and one
// rule of the operator's, as cmd/cardvault hands it to the console.
func allowlist(t *testing.T) []console.AllowRule {
	rules, err := forward.Rules("http://127.0.0.1:9000", true)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]console.AllowRule, len(rules))
	for i, r := range rules {
		out[i] = console.AllowRule{Rule: r.Rule, Provider: r.Provider}
	}
	return out
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t   *testing.T
	e   *vaulttest.Env
	c   *http.Client
	url string
}

func newBrowser(t *testing.T, e *vaulttest.Env) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, url: e.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request; headers are name, value pairs.
func (b *browser) do(method, path string, form url.Values, headers ...string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.url+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.url)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the token of the first form on a page.
func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

// signIn signs in with key and returns the keys page.
func (b *browser) signIn(key string) (*http.Response, string) {
	b.t.Helper()
	_, page := b.do("GET", "/console/login", nil)
	return b.do("POST", "/console/login", url.Values{"key": {key}, "csrf": {csrf(b.t, page)}})
}

// audited returns the tenant's entries with action.
func audited(t *testing.T, e *vaulttest.Env, tenant, action string) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	err := e.Audit.Each(context.Background(), tenant, func(en audit.Entry) error {
		if en.Action == action {
			out = append(out, en)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// reason returns the reasons of the tenant's refusals with action.
func reasons(t *testing.T, e *vaulttest.Env, tenant, action string) []string {
	var out []string
	for _, en := range audited(t, e, tenant, action) {
		out = append(out, en.Actor+": "+en.Detail["reason"])
	}
	return out
}

func TestSignInRefusesWrongAndNonAdminKeys(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e)
	resp, page := b.signIn("not-a-key-" + strings.Repeat("x", 40))
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "not valid") {
		t.Errorf("wrong key: %d", resp.StatusCode)
	}
	reader := e.Key(t, vault.ScopeCardsRead, vault.ScopeCardsReveal)
	resp, page = b.signIn(reader)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "admin scope") {
		t.Errorf("non-admin key: %d", resp.StatusCode)
	}
	got := reasons(t, e, vault.DefaultTenant, "console.signin_refused")
	if len(got) != 2 || got[0] != "unknown: unknown key" || !strings.HasSuffix(got[1], ": not an admin key") || strings.HasPrefix(got[1], "unknown") {
		t.Errorf("audited refusals: %q", got)
	}
	if resp, _ := b.do("GET", "/console/keys", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
		t.Errorf("keys page without a session: %d, want a redirect to sign in", resp.StatusCode)
	}
	if resp, _ := b.do("GET", "/console", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/" {
		t.Errorf("/console: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, page := b.do("GET", "/console/nothing", nil); resp.StatusCode != http.StatusNotFound || !strings.Contains(page, "<!doctype html>") {
		t.Errorf("unknown console page: %d", resp.StatusCode)
	}
	e.AssertLogClean(t, reader)
}

func TestSessionCookieAndPages(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e)
	resp, _ := b.signIn(e.AdminKey)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/keys" {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "cardvault_console" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/console" ||
		session.Value == e.AdminKey || len(session.Value) < 32 {
		t.Fatalf("session cookie: %+v", session)
	}
	if len(audited(t, e, vault.DefaultTenant, "console.signin")) != 1 {
		t.Error("sign-in not audited")
	}
	for _, path := range []string{"/console/keys", "/console/audit", "/console/health"} {
		resp, page := b.do("GET", path, nil)
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script") ||
			strings.Contains(strings.ToLower(page), "<script") || strings.Contains(page, "http") && regexp.MustCompile(`(src|href)="https?:`).MatchString(page) {
			t.Errorf("%s: %d, CSP %q", path, resp.StatusCode, csp)
		}
		if strings.Contains(page, e.AdminKey) {
			t.Errorf("%s shows the admin key", path)
		}
	}
}

func TestFormPostsNeedCSRFTokenAndSameOrigin(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e)
	b.signIn(e.AdminKey)
	_, page := b.do("GET", "/console/keys", nil)
	token := csrf(t, page)
	form := url.Values{"name": {"forged"}, "scope": {"admin"}}

	resp, body := b.do("POST", "/console/keys", form)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF") {
		t.Errorf("post without token: %d", resp.StatusCode)
	}
	form.Set("csrf", "wrong"+token)
	if resp, _ := b.do("POST", "/console/keys", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("post with a wrong token: %d", resp.StatusCode)
	}
	form.Set("csrf", token)
	if resp, _ := b.do("POST", "/console/keys", form, "Origin", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("post from another origin: %d", resp.StatusCode)
	}
	if resp, _ := b.do("POST", "/console/keys", form, "Sec-Fetch-Site", "cross-site"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d", resp.StatusCode)
	}
	keys, _ := e.Vault.ListAPIKeys(context.Background(), vault.DefaultTenant, vault.Page{Limit: 100})
	for _, k := range keys {
		if k.Name == "forged" {
			t.Fatal("a refused post created a key")
		}
	}
	got := reasons(t, e, vault.DefaultTenant, "console.refused")
	want := []string{"missing or wrong CSRF token", "missing or wrong CSRF token", "request from another origin", "request from another origin"}
	if len(got) != len(want) {
		t.Fatalf("audited refusals %q", got)
	}
	for i := range want {
		if !strings.HasSuffix(got[i], want[i]) || strings.HasPrefix(got[i], "unknown") {
			t.Errorf("refusal %d audited as %q, want the session's key and %q", i, got[i], want[i])
		}
	}
	// A login post from another origin is refused too.
	other := newBrowser(t, e)
	_, login := other.do("GET", "/console/login", nil)
	resp, _ = other.do("POST", "/console/login", url.Values{"key": {e.AdminKey}, "csrf": {csrf(t, login)}}, "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin sign-in: %d", resp.StatusCode)
	}
	// And one without the login token.
	resp, _ = newBrowser(t, e).do("POST", "/console/login", url.Values{"key": {e.AdminKey}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without a token: %d", resp.StatusCode)
	}
}

func TestExpiredSessionIsRefused(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e)
	b.signIn(e.AdminKey)
	if resp, _ := b.do("GET", "/console/keys", nil); resp.StatusCode != 200 {
		t.Fatalf("keys: %d", resp.StatusCode)
	}
	e.Clock.Advance(31 * time.Minute)
	resp, page := b.do("GET", "/console/keys", nil)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "expired") {
		t.Errorf("expired session: %d", resp.StatusCode)
	}
	if got := reasons(t, e, vault.DefaultTenant, "console.refused"); len(got) != 1 || !strings.HasSuffix(got[0], "session expired") {
		t.Errorf("audited %q", got)
	}
	if resp, _ := b.do("GET", "/console/keys", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after expiry: %d, want a redirect to sign in", resp.StatusCode)
	}
}

func TestKeyLifecycleAuditAndHealth(t *testing.T) {
	e := newEnv(t)
	b := newBrowser(t, e)
	b.signIn(e.AdminKey)
	_, page := b.do("GET", "/console/keys", nil)
	resp, page := b.do("POST", "/console/keys", url.Values{"csrf": {csrf(t, page)}, "name": {"checkout"},
		"scope": {"cards:write", "cards:reveal"}})
	secret := regexp.MustCompile(`<code id="secret">([^<]+)</code>`).FindStringSubmatch(page)
	id := regexp.MustCompile(`<code id="created-id">([^<]+)</code>`).FindStringSubmatch(page)
	if resp.StatusCode != http.StatusCreated || secret == nil || id == nil || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d\n%s", resp.StatusCode, page)
	}
	// The secret is shown once: not on the next view.
	if _, again := b.do("GET", "/console/keys", nil); strings.Contains(again, secret[1]) || !strings.Contains(again, id[1]) {
		t.Error("the keys page shows the secret again, or not the key")
	}
	// Use the key: store and reveal a card.
	r, body := e.Do(t, "POST", "/cardvault/v1/cards", `{"number":"4111111111111111","expiry":"12/39"}`, "X-Api-Key", secret[1])
	card := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(string(body))
	if r.StatusCode != 201 || card == nil {
		t.Fatalf("store with the new key: %d %s", r.StatusCode, body)
	}
	if r, _ := e.Do(t, "GET", "/cardvault/v1/cards/"+card[1]+"/reveal", "", "X-Api-Key", secret[1]); r.StatusCode != 200 {
		t.Fatalf("reveal: %d", r.StatusCode)
	}
	_, auditPage := b.do("GET", "/console/audit?key="+url.QueryEscape(id[1]), nil)
	if !strings.Contains(auditPage, "card.reveal") || !strings.Contains(auditPage, card[1]) || strings.Contains(auditPage, "4111111111111111") {
		t.Errorf("audit view of the key lacks its reveal, or shows the number")
	}
	if _, filtered := b.do("GET", "/console/audit?action=console.key.create&object="+url.QueryEscape(id[1]), nil); !strings.Contains(filtered, "1 matching entries") {
		t.Errorf("filter by action and object: %s", filtered)
	}
	if _, future := b.do("GET", "/console/audit?from=2999-01-01", nil); !strings.Contains(future, "0 matching entries") {
		t.Error("filter by time matched future entries")
	}
	if resp, _ := b.do("GET", "/console/audit?from=yesterday", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad time: %d", resp.StatusCode)
	}
	_, auditPage = b.do("GET", "/console/audit", nil)
	if _, verified := b.do("POST", "/console/audit/verify", url.Values{"csrf": {csrf(t, auditPage)}}); !strings.Contains(verified, "Chain intact") {
		t.Errorf("verify: %s", verified)
	}
	// Revoke it; its next request is refused.
	_, page = b.do("GET", "/console/keys", nil)
	if resp, _ := b.do("POST", "/console/keys/"+id[1]+"/revoke", url.Values{"csrf": {csrf(t, page)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if r, _ := e.Do(t, "GET", "/cardvault/v1/cards/"+card[1], "", "X-Api-Key", secret[1]); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked key: %d", r.StatusCode)
	}
	for _, action := range []string{"console.key.create", "console.key.revoke", "console.audit.verify"} {
		if len(audited(t, e, vault.DefaultTenant, action)) != 1 {
			t.Errorf("%s not audited once", action)
		}
	}
	_, health := b.do("GET", "/console/health", nil)
	if !strings.Contains(health, "POST /cardvault/v1/cards") || !strings.Contains(health, "create_card") && !strings.Contains(health, "<code>") {
		t.Errorf("health page lacks the request counters")
	}
	e.AssertLogClean(t, secret[1], "4111111111111111")
}

func TestRevokedSessionKeyEndsTheSession(t *testing.T) {
	e := newEnv(t)
	admin := e.Key(t, vault.ScopeAdmin)
	b := newBrowser(t, e)
	b.signIn(admin)
	keys, _ := e.Vault.ListAPIKeys(context.Background(), vault.DefaultTenant, vault.Page{Limit: 100})
	for _, k := range keys {
		if k.Name != "bootstrap" {
			if err := e.Vault.RevokeAPIKey(context.Background(), vault.DefaultTenant, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if resp, _ := b.do("GET", "/console/keys", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("session of a revoked key: %d", resp.StatusCode)
	}
}
