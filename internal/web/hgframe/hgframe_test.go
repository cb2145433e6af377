package hgframe_test

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/web"
	"github.com/cardvault/cardvault/internal/web/hgframe"
)

func TestRenderField(t *testing.T) {
	nonce := web.NewNonce()
	w := httptest.NewRecorder()
	if err := hgframe.RenderField(w, hgframe.Field{Nonce: nonce, Element: "cardNumber", Origin: "https://shop.example"}); err != nil {
		t.Fatal(err)
	}
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.HasSuffix(csp, "frame-ancestors https://shop.example") || !strings.Contains(csp, "script-src 'nonce-"+nonce+"'") ||
		!strings.Contains(csp, "connect-src 'self'") || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %v", w.Header())
	}
	body := w.Body.String()
	for _, tag := range regexp.MustCompile(`<(script|style)\b[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, `nonce="`+nonce+`"`) {
			t.Errorf("%s has no nonce", tag)
		}
	}
	// The page's scripts are whole: nothing in them closes the element early.
	if n := strings.Count(strings.ToLower(body), "</script"); n != 2 {
		t.Errorf("%d script end tags, want 2", n)
	}
	if strings.Contains(body, " style=") || strings.Contains(body, "http://") || regexp.MustCompile(`src="`).MatchString(body) {
		t.Error("the frame loads or inlines something outside its nonce")
	}
}

func TestRenderRefuses(t *testing.T) {
	nonce := web.NewNonce()
	for name, f := range map[string]hgframe.Field{
		"an unknown element":     {Nonce: nonce, Element: "iban", Origin: "https://shop.example"},
		"no nonce":               {Element: "text", Origin: "https://shop.example"},
		"a keyword as origin":    {Nonce: nonce, Element: "text", Origin: web.Self},
		"any https origin":       {Nonce: nonce, Element: "text", Origin: web.AnyHTTPS},
		"a list as origin":       {Nonce: nonce, Element: "text", Origin: "https://a.example https://b.example"},
		"an origin ending a CSP": {Nonce: nonce, Element: "text", Origin: "https://a.example;"},
		"no origin":              {Nonce: nonce, Element: "text"},
	} {
		w := httptest.NewRecorder()
		if err := hgframe.RenderField(w, f); err == nil || w.Body.Len() != 0 || len(w.Header()) != 0 {
			t.Errorf("%s: rendered (%v)", name, err)
		}
	}
	w := httptest.NewRecorder()
	if err := hgframe.RenderCoordinator(w, hgframe.Coordinator{Nonce: nonce, Origin: "https://shop.example"}); err == nil || w.Body.Len() != 0 {
		t.Errorf("a coordinator without a session rendered (%v)", err)
	}
}

func TestCoordinatorConfigIsEscaped(t *testing.T) {
	w := httptest.NewRecorder()
	err := hgframe.RenderCoordinator(w, hgframe.Coordinator{Nonce: web.NewNonce(), Origin: "https://shop.example",
		SessionID: "id", APIBase: `https://vault.example/</script><script>alert(1)</script>`})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(w.Body.String(), "<script>alert") {
		t.Error("apiBaseUrl broke out of the configuration")
	}
}
