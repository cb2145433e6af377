package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRenderSecureFieldsRefusesBadConfigs(t *testing.T) {
	nonce := NewNonce()
	for _, tc := range []struct {
		name string
		err  func() error
	}{
		{"no nonce", func() error {
			return RenderSecureField(httptest.NewRecorder(), SecureFieldConfig{ParentOrigin: "https://shop.example", Type: SecureFieldNumber})
		}},
		{"an unknown field", func() error {
			return RenderSecureField(httptest.NewRecorder(), SecureFieldConfig{Nonce: nonce, ParentOrigin: "https://shop.example", Type: "name"})
		}},
		{"an unknown scheme", func() error {
			return RenderSecureField(httptest.NewRecorder(), SecureFieldConfig{Nonce: nonce, ParentOrigin: "https://shop.example", Type: SecureFieldSecurityCode, Scheme: "american express"})
		}},
		{"a parent that is not an origin", func() error {
			return RenderSecureField(httptest.NewRecorder(), SecureFieldConfig{Nonce: nonce, ParentOrigin: "https://shop.example; script-src *", Type: SecureFieldNumber})
		}},
		{"a wildcard parent", func() error {
			return RenderSecureController(httptest.NewRecorder(), SecureControllerConfig{Nonce: nonce, ParentOrigin: "https:", FieldsURL: "/x"})
		}},
		{"another origin's fields URL", func() error {
			return RenderSecureController(httptest.NewRecorder(), SecureControllerConfig{Nonce: nonce, ParentOrigin: "https://shop.example", FieldsURL: "//evil.example/x"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err() == nil {
				t.Fatal("rendered")
			}
		})
	}
}

func TestRenderSecureField(t *testing.T) {
	w := httptest.NewRecorder()
	nonce := NewNonce()
	if err := RenderSecureField(w, SecureFieldConfig{Nonce: nonce, ParentOrigin: "https://shop.example", Type: SecureFieldSecurityCode, Scheme: "amex"}); err != nil {
		t.Fatal(err)
	}
	body := w.Body.String()
	for _, want := range []string{`<label class="sr-only" id="sf-label" for="sf-input">Security code</label>`, `autocomplete="cc-csc"`,
		`"parentOrigin":"https://shop.example"`, `"scheme":"amex"`, `<script nonce="` + nonce + `">`} {
		if !strings.Contains(body, want) {
			t.Errorf("the field lacks %s", want)
		}
	}
	if strings.Count(body, "<script") != strings.Count(body, `<script nonce="`+nonce+`">`)+1 { // +1: the JSON config
		t.Error("a script without the nonce")
	}
	if got := w.Header().Get("Content-Security-Policy"); !strings.HasSuffix(got, "frame-ancestors https://shop.example") {
		t.Errorf("policy %q", got)
	}
}
