package guardian_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// TestForwardAnswerHeaders: the provider's own headers come back, but none
// that would make the vault's origin set cookies, relax CORS, pin
// transport or content policy, steer the connection, allow caching, or
// replace the vault's request id and framing.
func TestForwardAnswerHeaders(t *testing.T) {
	t.Parallel()
	const answer = `{"outcome":"authorised"}`
	passed := map[string]string{
		"Content-Type":     "application/vnd.psp+json",
		"X-Psp-Trace":      "trace-7",
		"Request-Id":       "req_123",
		"Paypal-Debug-Id":  "dbg-9",
		"Retry-After":      "3",
		"Content-Language": "en",
		"Location":         "https://psp.example/payments/1",
	}
	dropped := map[string]string{
		"Set-Cookie":                          "session=provider; Path=/",
		"Set-Cookie2":                         "old=1",
		"Access-Control-Allow-Origin":         "*",
		"Access-Control-Allow-Credentials":    "true",
		"Strict-Transport-Security":           "max-age=0",
		"Content-Security-Policy":             "default-src *",
		"Content-Security-Policy-Report-Only": "default-src *",
		"X-Frame-Options":                     "ALLOWALL",
		"X-Xss-Protection":                    "0",
		"Referrer-Policy":                     "unsafe-url",
		"Permissions-Policy":                  "camera=*",
		"Cross-Origin-Resource-Policy":        "cross-origin",
		"Clear-Site-Data":                     `"*"`,
		"Www-Authenticate":                    `Basic realm="psp"`,
		"Alt-Svc":                             `h3=":443"`,
		"Link":                                "<https://evil.example/>; rel=preconnect",
		"Refresh":                             "0; url=https://evil.example/",
		"Report-To":                           `{"url":"https://evil.example/"}`,
		"Nel":                                 `{"report_to":"x"}`,
		"Expires":                             "Thu, 01 Jan 2099 00:00:00 GMT",
		"Pragma":                              "cache",
		"Vary":                                "Cookie",
		"Timing-Allow-Origin":                 "*",
		"Sec-Websocket-Accept":                "x",
	}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range passed {
			w.Header().Set(k, v)
		}
		for k, v := range dropped {
			w.Header().Set(k, v)
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "sniff")
		w.Header().Set("X-Request-Id", "provider-request-id")
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(up.Close)
	allow, err := forward.ParseAllowlist("http://" + up.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	relay := forward.NewRelay(allow, forward.Options{})
	t.Cleanup(relay.Close)
	e := newEnv(t, relay)
	tok := createToken(t, e, e.AdminKey, panBody)

	resp, b := e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/forward", `{"n":"{{ account_number }}"}`,
		"x-api-key", e.Key(t, vault.ScopeForward), "x-destination-url", up.URL, "content-type", "application/json",
		"x-request-id", "caller-request-id")
	if resp.StatusCode != http.StatusCreated || string(b) != answer {
		t.Fatalf("forward answered %d %s", resp.StatusCode, b)
	}
	for k, v := range passed {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for k, v := range dropped {
		if got, ok := resp.Header[k]; ok && slices.Contains(got, v) {
			t.Errorf("provider's %s reached the caller: %q", k, got)
		}
	}
	own := map[string]string{
		// A relayed answer is data: the vault's sandboxing default policy, never the provider's.
		"Content-Security-Policy": server.DefaultPolicy,
		"Cache-Control":           "no-store",
		"X-Content-Type-Options":  "nosniff",
		"X-Request-Id":            "caller-request-id",
		"Content-Length":          strconv.Itoa(len(answer)),
	}
	for k, v := range own {
		if got := resp.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want the vault's own %q", k, got, v)
		}
	}
}

// TestForwardRendersForTheSentContentType: the body is escaped for the
// Content-Type the provider receives: x-own-header's when it names
// Content-Type, else the request's, which must then be given once.
func TestForwardRendersForTheSentContentType(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	tok := createToken(t, e, e.AdminKey, strings.Replace(panBody, `"Ada Lovelace"`, `"Ada \",\"amount\":1,\"x\":\""`, 1))
	fwd := e.Key(t, vault.ScopeForward)
	const body = `{"name":"{{ cardholder_name }}","amount":100}`
	const escaped = `{"name":"Ada \",\"amount\":1,\"x\":\"","amount":100}`
	path := "/api/pci/tokens/" + tok.ID + "/forward"

	// Two request content types: which one would the provider read?
	req, err := http.NewRequest("POST", e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header["X-Api-Key"] = []string{fwd}
	req.Header["X-Destination-Url"] = []string{u.URL}
	req.Header["Content-Type"] = []string{"text/plain", "application/json"}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "content-type") {
		t.Errorf("two content types: %d %s, want 400 naming content-type", resp.StatusCode, b)
	}
	if _, _, hits := u.got(); hits != 0 {
		t.Fatalf("a forward with two content types reached the upstream")
	}

	// x-own-header sets the content type sent, so it sets the escaping too.
	resp, b = e.Do(t, "POST", path, body, "x-api-key", fwd, "x-destination-url", u.URL,
		"content-type", "text/plain", "x-own-header-name", "content-type", "x-own-header-value", "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("forward: %d %s", resp.StatusCode, b)
	}
	h, sent, _ := u.got()
	if ct := h.Values("Content-Type"); len(ct) != 1 || ct[0] != "application/json" || sent != escaped {
		t.Errorf("upstream got content type %q and body %s, want application/json and %s", ct, sent, escaped)
	}
}
