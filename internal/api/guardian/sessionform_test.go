package guardian_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/sessions"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// formSession starts a tokenize session through the API whose form the
// given origins may frame (source.allowed_origins).
func formSession(t testing.TB, e *vaulttest.Env, origins ...string) string {
	t.Helper()
	src := map[string]any{"type": "session"}
	if origins != nil {
		src["allowed_origins"] = origins
	}
	body, _ := json.Marshal(map[string]any{"source": src})
	resp, b := e.Do(t, "POST", "/api/pci/tokens", string(body), "x-api-key", e.AdminKey)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create session: %d %s", resp.StatusCode, b)
	}
	return vaulttest.Decode[map[string]string](t, b)["session_id"]
}

// refreshSession starts a security-code session for a token through the API.
func refreshSession(t testing.TB, e *vaulttest.Env, tokenID string) string {
	t.Helper()
	resp, b := e.Do(t, "POST", "/api/pci/tokens/"+tokenID+"/security-code", "", "x-api-key", e.AdminKey)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("refresh: %d %s", resp.StatusCode, b)
	}
	return vaulttest.Decode[map[string]string](t, b)["session_id"]
}

// formPage is a loaded session form page.
type formPage struct {
	status int
	header http.Header
	body   string
	nonce  string
}

var (
	nonceInPolicy = regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9_-]{16,})'`)
	configScript  = regexp.MustCompile(`(?s)<script type="application/json" id="cv-config">(.*?)</script>`)
)

// loadForm gets a session's form page as a browser would (no API key) and
// checks the headers every page carries, whatever its status.
func loadForm(t testing.TB, e *vaulttest.Env, id string) formPage {
	t.Helper()
	return loadPage(t, e, "/sessions/"+id+"/form")
}

// loadPage gets a browser page of the vault (no API key) and checks the
// headers every page carries, whatever its status.
func loadPage(t testing.TB, e *vaulttest.Env, path string) formPage {
	t.Helper()
	resp, b := e.Do(t, "GET", path, "", "Origin", "https://shop.example")
	p := formPage{status: resp.StatusCode, header: resp.Header, body: string(b)}
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	m := nonceInPolicy.FindStringSubmatch(csp)
	if m == nil || !strings.Contains(csp, "style-src 'nonce-"+m[1]+"'") || !strings.Contains(csp, "default-src 'none'") ||
		!strings.Contains(csp, "form-action 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Fatalf("Content-Security-Policy %q", csp)
	}
	p.nonce = m[1]
	for name, want := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
		"X-Content-Type-Options": "nosniff", "Content-Type": "text/html; charset=utf-8", "Access-Control-Allow-Origin": ""} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	// Every script and style carries the response's nonce.
	for _, tag := range regexp.MustCompile(`<(script|style)\b[^>]*>`).FindAllString(p.body, -1) {
		if !strings.Contains(tag, `nonce="`+p.nonce+`"`) && tag != `<script type="application/json" id="cv-config">` {
			t.Errorf("%s has no nonce", tag)
		}
	}
	return p
}

// frameAncestors is the page's frame-ancestors source list.
func (p formPage) frameAncestors() string {
	_, after, _ := strings.Cut(p.header.Get("Content-Security-Policy"), "frame-ancestors ")
	before, _, _ := strings.Cut(after, ";")
	return before
}

// formConfig is what the form's script reads from the page.
type formConfig struct {
	SubmitURL string            `json:"submitURL"`
	Origins   []string          `json:"origins"`
	Rename    map[string]string `json:"rename"`
	WrapIn    string            `json:"wrapIn"`
	Wrap      map[string]string `json:"wrap"`
	Validate  map[string]bool   `json:"validate"`
}

// config decodes the form's script configuration.
func (p formPage) config(t testing.TB) formConfig {
	t.Helper()
	m := configScript.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no form configuration in %s", p.body)
	}
	return vaulttest.Decode[formConfig](t, []byte(m[1]))
}

// inputs lists the form's card inputs.
func (p formPage) inputs() []string {
	var out []string
	for _, m := range regexp.MustCompile(`<input id="cv-([a-z_]+)"`).FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[1])
	}
	return out
}

// wantErrorPage asserts an error page of status with a message containing
// want, and no form or script.
func wantErrorPage(t testing.TB, p formPage, status int, want string) {
	t.Helper()
	if p.status != status || !strings.Contains(p.body, `class="page-error"`) || !strings.Contains(p.body, want) {
		t.Fatalf("status %d, want an error page %d saying %q: %s", p.status, status, want, p.body)
	}
	if strings.Contains(p.body, "cv-form") || strings.Contains(p.body, "<script") || strings.Contains(p.body, "<input") {
		t.Errorf("the error page holds a form or a script: %s", p.body)
	}
}

func TestSessionFormTokenize(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := formSession(t, e)
	p := loadForm(t, e, id)
	if p.status != http.StatusOK {
		t.Fatalf("form: %d %s", p.status, p.body)
	}
	if got := strings.Join(p.inputs(), ","); got != "card_number,expiry,cvv,card_holder" {
		t.Errorf("inputs %s", got)
	}
	if fa := p.frameAncestors(); fa != "'self'" {
		t.Errorf("frame-ancestors %q, want only the vault", fa)
	}
	c := p.config(t)
	if c.SubmitURL != "/sessions/"+id+"/complete-action" || c.WrapIn != "result" || len(c.Wrap) != 1 || c.Wrap["action"] != "tokenize_card" ||
		c.Rename["card_number"] != "account_number" || c.Rename["cvv"] != "security_code" || c.Rename["card_holder"] != "cardholder_name" ||
		len(c.Origins) != 0 || !c.Validate["card_number"] || !c.Validate["expiry"] || !c.Validate["cvv"] || !c.Validate["card_holder"] {
		t.Errorf("form configuration %+v", c)
	}
	for _, dropped := range []string{"expiry", "expiry_year_short", "last_four", "card_type"} {
		if name, ok := c.Rename[dropped]; !ok || name != "" {
			t.Errorf("the form sends %s", dropped)
		}
	}
	if again := loadForm(t, e, id); again.nonce == p.nonce {
		t.Error("two loads share a nonce")
	}

	// What the form's script sends once renamed and wrapped, over HTTP.
	resp, b := complete(t, e, id, `{"action":"tokenize_card","result":{"account_number":"4111111111111111","expiry_month":"12","expiry_year":"2037","security_code":"123","cardholder_name":"Ada Lovelace"}}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("complete-action with the form's body: %d %s", resp.StatusCode, b)
	}
	tokenID, _ := vaulttest.Decode[sdkState](t, b).Data["token_id"].(string)
	_, b = e.Do(t, "GET", "/api/pci/tokens/"+tokenID, "", "x-api-key", e.AdminKey)
	if tok := vaulttest.Decode[token](t, b); tok.Card.Masked != "411111******1111" || tok.Card.CardholderName != "Ada Lovelace" ||
		tok.Card.ExpiryMonth != 12 || tok.Card.ExpiryYear != 2037 {
		t.Errorf("token from the form's body: %s", b)
	}
	wantErrorPage(t, loadForm(t, e, id), http.StatusGone, "already used")

	// The access log names the route, never the session.
	if log := e.Log.String(); !strings.Contains(log, `"/sessions/{session_id}/form"`) {
		t.Errorf("the form load is not logged with the id replaced: %s", log)
	}
	e.AssertLogClean(t, id, pan, `"123"`)
}

func TestSessionFormSecurityCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok := createToken(t, e, e.AdminKey, `{"source":{"type":"pan","account_number":"378282246310005","expiry_month":3,"expiry_year":2038}}`)
	id := refreshSession(t, e, tok.ID)
	p := loadForm(t, e, id)
	if p.status != http.StatusOK {
		t.Fatalf("form: %d %s", p.status, p.body)
	}
	if got := strings.Join(p.inputs(), ","); got != "cvv" {
		t.Errorf("inputs %s, want only the security code", got)
	}
	if !strings.Contains(p.body, "<h1>Security code for the card ending 0005</h1>") || strings.Contains(p.body, "378282") {
		t.Errorf("heading: %s", p.body)
	}
	c := p.config(t)
	if c.SubmitURL != "/sessions/"+id+"/complete-action" || c.Wrap["action"] != "refresh_security_code" || c.WrapIn != "result" ||
		len(c.Rename) != 1 || c.Rename["cvv"] != "security_code" {
		t.Errorf("form configuration %+v", c)
	}
	resp, b := complete(t, e, id, `{"action":"refresh_security_code","result":{"security_code":"4321"}}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("complete-action with the form's body: %d %s", resp.StatusCode, b)
	}
	if code, err := e.Vault.SecurityCode(context.Background(), vault.DefaultTenant, tok.ID); err != nil || code.Digits() != "4321" {
		t.Fatalf("held code after the form: %v", err)
	}
	wantErrorPage(t, loadForm(t, e, id), http.StatusGone, "already used")
	e.AssertLogClean(t, id, `"4321"`)
}

func TestSessionFormUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()

	completed := formSession(t, e)
	if resp, b := complete(t, e, completed, `{"action":"tokenize_card","result":`+cardJSON+`}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("complete: %d %s", resp.StatusCode, b)
	}
	failed := formSession(t, e)
	for range sessions.MaxAttempts {
		complete(t, e, failed, `{"action":"tokenize_card","result":{"account_number":"4111111111111112","expiry_month":1,"expiry_year":2035}}`)
	}
	tok := createToken(t, e, e.AdminKey, panBody)
	cardGone := refreshSession(t, e, tok.ID)
	if resp, b := e.Do(t, "DELETE", "/api/pci/tokens/"+tok.ID, "", "x-api-key", e.AdminKey); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete token: %d %s", resp.StatusCode, b)
	}
	expired, err := e.Sessions.CreateSession(ctx, sessions.Params{Tenant: vault.DefaultTenant, Purpose: sessions.Tokenize, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	framedSession, err := e.Sessions.CreateSession(ctx, sessions.Params{Tenant: vault.DefaultTenant, Purpose: sessions.Tokenize,
		TTL: time.Minute, AllowedOrigins: []string{"https://shop.example"}})
	if err != nil {
		t.Fatal(err)
	}
	framed := framedSession.ID
	e.Clock.Advance(time.Minute)

	for _, tc := range []struct {
		name, id  string
		status    int
		want      string
		ancestors string
	}{
		{"unknown", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", http.StatusNotFound, "does not exist", "'self'"},
		{"malformed", "not-a-session", http.StatusNotFound, "does not exist", "'self'"},
		{"completed", completed, http.StatusGone, "already used", "'self'"},
		{"failed", failed, http.StatusGone, "can no longer be used", "'self'"},
		{"expired", expired.ID, http.StatusGone, "has expired", "'self'"},
		{"card deleted", cardGone, http.StatusGone, "no longer exists", "'self'"},
		// A session with origins shows its error where its form would have been.
		{"expired, framed by the shop", framed, http.StatusGone, "has expired", "https://shop.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := loadForm(t, e, tc.id)
			wantErrorPage(t, p, tc.status, tc.want)
			if fa := p.frameAncestors(); fa != tc.ancestors {
				t.Errorf("frame-ancestors %q, want %q", fa, tc.ancestors)
			}
		})
	}

	// Other methods are not routes, and keep the id out of the log too.
	resp, b := e.Do(t, "POST", "/sessions/"+completed+"/form", `{}`)
	wantError(t, resp, b, http.StatusNotFound, "no such route")
	e.AssertLogClean(t, completed, failed, cardGone, expired.ID, framed)
}

func TestSessionFormAllowedOrigins(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	id := formSession(t, e, "https://Shop.Example:443", "http://127.0.0.1:9000", "https://shop.example")
	p := loadForm(t, e, id)
	if p.status != http.StatusOK {
		t.Fatalf("form: %d %s", p.status, p.body)
	}
	if fa := p.frameAncestors(); fa != "https://shop.example http://127.0.0.1:9000" {
		t.Errorf("frame-ancestors %q", fa)
	}
	c := p.config(t)
	if strings.Join(c.Origins, " ") != "https://shop.example http://127.0.0.1:9000" {
		t.Errorf("message origins %q", c.Origins)
	}
	// The success callback posts the session's message to the same origins.
	want, _ := json.Marshal([]string{"https://shop.example", "http://127.0.0.1:9000"})
	if !strings.Contains(p.body, "const origins = "+string(want)+";") || !strings.Contains(p.body, `"session_id":"`+id+`"`) {
		t.Errorf("the success callback does not name the origins and session: %s", p.body)
	}

	for name, src := range map[string]string{
		"path":     `{"type":"session","allowed_origins":["https://shop.example/checkout"]}`,
		"wildcard": `{"type":"session","allowed_origins":["https://*.shop.example"]}`,
		"scheme":   `{"type":"session","allowed_origins":["data://shop.example"]}`,
		"policy":   `{"type":"session","allowed_origins":["https://shop.example 'unsafe-inline'"]}`,
		"string":   `{"type":"session","allowed_origins":"https://shop.example"}`,
		"numbers":  `{"type":"session","allowed_origins":[1]}`,
		"too many": `{"type":"session","allowed_origins":["https://a.example"` + strings.Repeat(`,"https://a.example"`, vault.MaxFormOrigins) + `]}`,
		"pan":      `{"type":"pan","account_number":"4111111111111111","expiry_month":1,"expiry_year":2040,"allowed_origins":["https://shop.example"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := e.Do(t, "POST", "/api/pci/tokens", `{"source":`+src+`}`, "x-api-key", e.AdminKey)
			wantError(t, resp, b, http.StatusBadRequest, "allowed_origins")
		})
	}
	if cards, _ := e.Vault.ListCards(context.Background(), vault.DefaultTenant, vault.Page{Limit: 10}); len(cards) != 0 {
		t.Errorf("a refused request stored %d cards", len(cards))
	}
}
