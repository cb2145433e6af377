package gr4vy_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// inputURL is a field frame's URL as the library builds it.
func inputURL(parent, typ string) string {
	return "/input.html?parentOrigin=" + parent + "&type=" + typ
}

// controllerURL is the controller frame's URL as the library builds it.
func controllerURL(parent, session string) string {
	return "/controller.html?" + url.Values{"parentOrigin": {parent}, "sessionId": {session}, "gr4vyId": {"acme"},
		"environment": {"sandbox"}}.Encode()
}

// nonceScript matches the policy's script source: a nonce and nothing else.
var nonceScript = regexp.MustCompile(`script-src 'nonce-[A-Za-z0-9_-]{16,}';`)

// wantFrame checks a frame page's status, its framing and its page headers.
func wantFrame(t *testing.T, resp *http.Response, body []byte, status int, ancestors string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.HasSuffix(csp, "frame-ancestors "+ancestors) || !nonceScript.MatchString(csp) || strings.Contains(csp, "unsafe") ||
		!strings.Contains(csp, "connect-src 'self'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("policy %q, want frame-ancestors %s and nonce'd scripts only", csp, ancestors)
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("Cache-Control") != "no-store" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("headers %v", resp.Header)
	}
}

func TestSecureFieldsFrames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", forward.Options{})
	w := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead)}
	create := func(body string) string {
		resp, b := e.Do(t, "POST", "/checkout/sessions", body, w...)
		vaulttest.WantStatus(t, resp, b, http.StatusCreated)
		return vaulttest.Decode[struct{ ID string }](t, b).ID
	}
	open, listed := create(`{}`), create(`{"allowed_origins":["https://shop.example"]}`)

	t.Run("each field, framed only by its page's origin", func(t *testing.T) {
		for _, typ := range []string{"number", "expiryDate", "securityCode", "postalCode"} {
			resp, b := e.Do(t, "GET", inputURL("https://shop.example", typ), "")
			wantFrame(t, resp, b, http.StatusOK, "https://shop.example")
			if !strings.Contains(string(b), `id="sf-input"`) || !strings.Contains(string(b), `<label class="sr-only" id="sf-label" for="sf-input">`) {
				t.Errorf("the %s field has no labelled input: %s", typ, b)
			}
		}
		resp, b := e.Do(t, "GET", inputURL("http://localhost:8081", "number")+"&font=Lato&paymentMethodScheme=amex", "")
		wantFrame(t, resp, b, http.StatusOK, "http://localhost:8081")
	})
	t.Run("the controller, for a session that lists no origin, in any https page", func(t *testing.T) {
		resp, b := e.Do(t, "GET", controllerURL("https://any.example", open), "")
		wantFrame(t, resp, b, http.StatusOK, "https://any.example")
		if !strings.Contains(string(b), `/checkout/sessions/`+open+`/fields`) {
			t.Errorf("the controller does not submit to its session: %s", b)
		}
	})
	t.Run("the controller of a session that lists origins", func(t *testing.T) {
		resp, b := e.Do(t, "GET", controllerURL("https://shop.example", listed), "")
		wantFrame(t, resp, b, http.StatusOK, "https://shop.example")
		resp, b = e.Do(t, "GET", controllerURL("https://evil.example", listed), "")
		wantFrame(t, resp, b, http.StatusForbidden, "https://shop.example")
		if strings.Contains(string(b), "<script") || strings.Contains(string(b), listed) {
			t.Errorf("a refused page carries a script or the session id: %s", b)
		}
	})
	t.Run("an unknown session's controller answers its submit with Gr4vy's 404", func(t *testing.T) {
		resp, b := e.Do(t, "GET", controllerURL("https://shop.example", uuid.NewString()), "")
		wantFrame(t, resp, b, http.StatusOK, "https://shop.example")
	})
	for _, tc := range []struct{ name, path string }{
		{"no parent origin", "/input.html?type=number"},
		{"a parent origin with a path", inputURL("https://shop.example/checkout", "number")},
		{"a parent origin not serialised", inputURL("https://Shop.Example", "number")},
		{"plain http off this machine", inputURL("http://shop.example", "number")},
		{"a wildcard", inputURL("https://*.example", "number")},
		{"an unknown field", inputURL("https://shop.example", "cardholder")},
		{"a bad scheme", inputURL("https://shop.example", "securityCode") + "&paymentMethodScheme=VISA%22"},
		{"no session", "/controller.html?parentOrigin=https://shop.example"},
		{"a bad payment method", controllerURL("https://shop.example", open) + "&paymentMethodId=12"},
		{"a controller for plain http", controllerURL("http://shop.example", open)},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			resp, b := e.Do(t, "GET", tc.path, "")
			wantFrame(t, resp, b, http.StatusBadRequest, "'self'")
			if strings.Contains(string(b), "<script") {
				t.Errorf("a refused frame carries a script: %s", b)
			}
		})
	}
}

func TestCheckoutSessionAllowedOrigins(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", forward.Options{})
	w := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead)}
	type withOrigins struct {
		ID             string
		AllowedOrigins []string `json:"allowed_origins"`
	}
	resp, b := e.Do(t, "POST", "/checkout/sessions", `{"allowed_origins":["HTTPS://Shop.Example:443","https://shop.example/","http://localhost:8081"]}`, w...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	s := vaulttest.Decode[withOrigins](t, b)
	if strings.Join(s.AllowedOrigins, " ") != "https://shop.example http://localhost:8081" {
		t.Fatalf("created %s", b)
	}
	path := "/checkout/sessions/" + s.ID
	resp, b = e.Do(t, "PUT", path, `{"amount":100}`, w...)
	if got := vaulttest.Decode[withOrigins](t, b); resp.StatusCode != 200 || len(got.AllowedOrigins) != 2 {
		t.Fatalf("an update without allowed_origins gave %s", b)
	}
	resp, b = e.Do(t, "PUT", path, `{"allowed_origins":[]}`, w...)
	if got := vaulttest.Decode[withOrigins](t, b); resp.StatusCode != 200 || got.AllowedOrigins != nil {
		t.Fatalf("an update with no allowed origins gave %s", b)
	}
	for _, body := range []string{`{"allowed_origins":["https://shop.example/pay"]}`, `{"allowed_origins":["*.example"]}`,
		`{"allowed_origins":"https://shop.example"}`, `{"allowed_origins":["1","2","3","4","5","6","7","8","9","10","11"]}`} {
		resp, b := e.Do(t, "POST", "/checkout/sessions", body, w...)
		assertError(t, resp, b, http.StatusBadRequest, "bad_request", "allowed_origins")
	}
}
