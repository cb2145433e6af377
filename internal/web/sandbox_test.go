package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestSandboxedFormHeaders: a form that runs a tenant's script (Sandbox)
// gets an opaque origin through its policy's sandbox directive, never
// allow-same-origin, and keeps every other header of a page; other forms
// keep the vault's origin.
func TestSandboxedFormHeaders(t *testing.T) {
	render := func(sandbox bool) *httptest.ResponseRecorder {
		t.Helper()
		w := httptest.NewRecorder()
		err := RenderForm(w, FormConfig{Nonce: fixedNonce, Fields: allFields(), SubmitURL: "/v1/capture/ep1?form_type=pcd",
			SecretParam: "secret", SecretHeader: "X-PCIVault-Capture-Secret", FramedByAnyHTTPS: true,
			SuccessCallback: "function(r) { parent.postMessage(r, '*'); }", Sandbox: sandbox})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}

	w := render(true)
	csp := w.Header().Get("Content-Security-Policy")
	want := "default-src 'none'; script-src 'nonce-" + fixedNonce + "'; style-src 'nonce-" + fixedNonce +
		"'; connect-src 'self'; img-src 'self' data:; form-action 'none'; base-uri 'none'; " +
		"sandbox allow-scripts allow-forms allow-modals allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation; " +
		"frame-ancestors 'self' https:"
	if csp != want {
		t.Errorf("sandboxed policy\n%s\nwant\n%s", csp, want)
	}
	if strings.Contains(csp, "allow-same-origin") {
		t.Errorf("the sandbox keeps the vault's origin: %s", csp)
	}
	for k, v := range map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
		"Cross-Origin-Opener-Policy": "same-origin"} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("sandboxed page: %s = %q, want %q", k, got, v)
		}
	}

	w = render(false)
	if csp := w.Header().Get("Content-Security-Policy"); strings.Contains(csp, "sandbox") {
		t.Errorf("a form without Sandbox is sandboxed: %s", csp)
	}
}
