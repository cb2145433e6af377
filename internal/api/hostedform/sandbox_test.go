package hostedform_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// TestCallbackFormsAreSandboxed: a form whose tenant set a callback is
// served in a CSP sandbox without allow-same-origin (an opaque origin, so
// the callback cannot reach the vault's other pages and card frames);
// forms that run only the vault's script keep the vault's origin. Both
// keep their opener policy.
func TestCallbackFormsAreSandboxed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	cases := []struct {
		name, body string
		sandboxed  bool
	}{
		{"success callback", `{"success_callback":"` + b64(seedCallback) + `"}`, true},
		{"error callback", `{"error_callback":"` + b64(refusalCallback) + `"}`, true},
		{"no callback", `{"allowed_origins":["https://shop.example"]}`, false},
		{"built-in pcd", "", false},
	}
	for _, c := range cases {
		id := "pcd"
		if c.body != "" {
			id = e.createForm(t, c.body).ID
		}
		ep := e.createEndpoint(t, "ttl", "PT10M")
		resp, page := e.load(t, formPath(id, ep))
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<form id="cv-form"`) {
			t.Fatalf("%s: %d %s", c.name, resp.StatusCode, page)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		coop := resp.Header.Get("Cross-Origin-Opener-Policy")
		if c.sandboxed {
			if !strings.Contains(csp, "; sandbox allow-scripts allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation;") ||
				strings.Contains(csp, "allow-same-origin") || coop != "same-origin" {
				t.Errorf("%s: policy %q, opener policy %q; want a sandbox without allow-same-origin, and same-origin", c.name, csp, coop)
			}
			continue
		}
		if strings.Contains(csp, "sandbox") || coop != "same-origin" {
			t.Errorf("%s: policy %q, opener policy %q; want no sandbox and same-origin", c.name, csp, coop)
		}
	}
}

// TestSandboxedFormCanPost: the sandboxed page's submission is a
// cross-origin request from origin null; its capture endpoint answers the
// preflight and the post for it, with the endpoint's secret as the only
// credential (no credentials mode, so no cookie could count either).
func TestSandboxedFormCanPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	ep := e.createEndpoint(t, "ttl", "PT10M")
	submit := ep.URL + "?form_type=pcd&reference=order-1"

	resp, body := e.Do(t, "OPTIONS", submit, "", "Origin", "null", "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "content-type,x-pcivault-capture-secret")
	h := resp.Header
	if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "x-pcivault-capture-secret") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "content-type") ||
		h.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight from origin null: %d %v %s", resp.StatusCode, h, body)
	}

	card := `{"card_number":"` + pan + `","cvv":"123"}`
	// Account credentials and cookies are not the endpoint's credential.
	resp, body = e.Do(t, "POST", submit, card, "Origin", "null", "Authorization", e.basic, "Cookie", "session=anything")
	vaulttest.WantStatus(t, resp, body, http.StatusUnauthorized)

	resp, body = e.Do(t, "POST", submit, card, "Origin", "null", pcivault.SecretHeader, ep.Secret)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("post from origin null: %v", resp.Header)
	}
	got := vaulttest.Decode[stored](t, body)
	if e.reveal(t, got.Token, "order-1")["card_number"] != pan {
		t.Errorf("the card posted from origin null was not stored")
	}
}
