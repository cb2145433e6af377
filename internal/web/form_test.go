package web

import (
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixedNonce makes renderings reproducible for the golden files.
const fixedNonce = "AAAAAAAAAAAAAAAAAAAAAA"

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/web -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the rendering; run go test ./internal/web -update and review the diff", path)
	}
}

func allFields() []Field {
	return []Field{{FieldCardNumber, true}, {FieldExpiry, true}, {FieldCVV, true}, {FieldCardHolder, true}, {FieldReference, false}}
}

func TestFormGolden(t *testing.T) {
	cases := []struct {
		name string
		cfg  FormConfig
	}{
		{"form-full.golden.html", FormConfig{Nonce: fixedNonce, Fields: allFields(),
			SubmitURL: "/v1/capture/ep1?form_type=pcd", SecretParam: "secret", SecretHeader: "X-PCIVault-Capture-Secret",
			SuccessCallback: "function(responseData, requestData) {\n  console.log(\"</script><b>\", responseData.token);\n}",
			AllowedOrigins:  []string{"https://shop.example", "http://localhost:8081"}}},
		{"form-cvv.golden.html", FormConfig{Nonce: fixedNonce, Title: "Confirm your card", Fields: []Field{{FieldCVV, true}},
			SubmitURL: "/v1/capture/ep2?form_type=pcd", SecretParam: "secret", SecretHeader: "X-PCIVault-Capture-Secret",
			Reference: "order-<7>", ErrorCallback: "function(r){ document.title = 'x' }"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page, _, err := renderForm(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name, page)
		})
	}
	page, _, err := renderError(ErrorPage{Nonce: fixedNonce, Status: 401, Message: "The link is <wrong>."})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "error.golden.html", page)
}

func TestFormShowsOnlyListedFields(t *testing.T) {
	page, _, err := renderForm(FormConfig{Nonce: fixedNonce, Fields: []Field{{FieldCVV, true}}, SubmitURL: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, hidden := range []string{"cc-number", "cc-exp", "cc-name", `id="cv-reference"`} {
		if strings.Contains(s, hidden) {
			t.Errorf("a CVV-only form renders %s", hidden)
		}
	}
	if !strings.Contains(s, `autocomplete="cc-csc"`) || !strings.Contains(s, `inputmode="numeric"`) {
		t.Errorf("the CVV input is missing or not numeric")
	}
}

func TestFormAutocompleteNames(t *testing.T) {
	page, _, err := renderForm(FormConfig{Nonce: fixedNonce, Fields: allFields(), SubmitURL: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`autocomplete="cc-number"`, `autocomplete="cc-exp"`, `autocomplete="cc-csc"`, `autocomplete="cc-name"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Every input has a label, and every numeric input asks for a keypad.
	for _, id := range []string{"card_number", "expiry", "cvv", "card_holder", "reference"} {
		if !strings.Contains(string(page), `<label for="cv-`+id+`"`) {
			t.Errorf("input %s has no label", id)
		}
	}
	if n := strings.Count(string(page), `inputmode="numeric"`); n != 3 {
		t.Errorf("%d numeric inputs, want 3", n)
	}
}

func TestRenderFormHeaders(t *testing.T) {
	w := httptest.NewRecorder()
	err := RenderForm(w, FormConfig{Nonce: fixedNonce, Fields: allFields(), SubmitURL: "/x", AllowedOrigins: []string{"https://shop.example"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'nonce-" + fixedNonce + "'; style-src 'nonce-" + fixedNonce +
			"'; connect-src 'self'; img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors https://shop.example",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		"Content-Type":           "text/html; charset=utf-8",
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	// Every script and style element carries the nonce; no inline handlers.
	body := w.Body.String()
	for _, tag := range regexp.MustCompile(`<(script|style)[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, `nonce="`+fixedNonce+`"`) && !strings.Contains(tag, `type="application/json"`) {
			t.Errorf("element without the nonce: %s", tag)
		}
	}
	if regexp.MustCompile(`(?i)\son[a-z]+=`).MatchString(body) {
		t.Errorf("page has an inline event handler")
	}
	if regexp.MustCompile(`(?i)(src|href)="https?:`).MatchString(body) {
		t.Errorf("page loads an external asset")
	}
}

func TestRenderErrorStatus(t *testing.T) {
	w := httptest.NewRecorder()
	if err := RenderError(w, ErrorPage{Nonce: NewNonce(), Status: http.StatusNotFound, Message: "gone"}); err != nil {
		t.Fatal(err)
	}
	if w.Code != 404 || strings.Contains(w.Body.String(), "<form") || strings.Contains(w.Body.String(), "<script") {
		t.Errorf("error page: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'self'") {
		t.Errorf("error page policy: %s", w.Header().Get("Content-Security-Policy"))
	}
}

func TestRenderFormRefuses(t *testing.T) {
	ok := FormConfig{Nonce: fixedNonce, Fields: allFields(), SubmitURL: "/x"}
	cases := map[string]func(c *FormConfig){
		"no nonce":          func(c *FormConfig) { c.Nonce = "" },
		"nonce with quote":  func(c *FormConfig) { c.Nonce = "AAAAAAAAAAAAAAAAAAAA'A" },
		"no fields":         func(c *FormConfig) { c.Fields = nil },
		"unknown field":     func(c *FormConfig) { c.Fields = []Field{{Name: "pin"}} },
		"absolute submit":   func(c *FormConfig) { c.SubmitURL = "https://evil.example/x" },
		"scheme-relative":   func(c *FormConfig) { c.SubmitURL = "//evil.example/x" },
		"secret, no header": func(c *FormConfig) { c.SecretParam = "secret" },
		"bad callback":      func(c *FormConfig) { c.SuccessCallback = "function(){ /* <!-- */ }" },
		"bad origin":        func(c *FormConfig) { c.AllowedOrigins = []string{"https://a.example; script-src *"} },
		"wildcard origin":   func(c *FormConfig) { c.AllowedOrigins = []string{"https://*.example"} },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			c := ok
			mutate(&c)
			w := httptest.NewRecorder()
			if err := RenderForm(w, c); err == nil {
				t.Fatalf("rendered")
			}
			if w.Body.Len() != 0 || w.Header().Get("Content-Security-Policy") != "" {
				t.Errorf("wrote something before refusing")
			}
		})
	}
}

func TestNonceIsFresh(t *testing.T) {
	a, b := NewNonce(), NewNonce()
	if a == b || !nonceRE.MatchString(a) {
		t.Errorf("nonces %q %q", a, b)
	}
}

// TestPCIVaultFormsStayFramableByTheVault: a form framed like PCI Vault's
// keeps the vault itself among its framers when its allowed origins narrow
// them (the console's live preview frames it); other pages do not.
func TestPCIVaultFormsStayFramableByTheVault(t *testing.T) {
	for _, tc := range []struct {
		anyHTTPS bool
		want     string
	}{{true, "frame-ancestors 'self' https://shop.example"}, {false, "frame-ancestors https://shop.example"}} {
		w := httptest.NewRecorder()
		err := RenderForm(w, FormConfig{Nonce: fixedNonce, Fields: allFields(), SubmitURL: "/x", AllowedOrigins: []string{"https://shop.example"},
			FramedByAnyHTTPS: tc.anyHTTPS})
		if err != nil {
			t.Fatal(err)
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.HasSuffix(csp, tc.want) {
			t.Errorf("FramedByAnyHTTPS %v: %s, want %s", tc.anyHTTPS, csp, tc.want)
		}
	}
}
