package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// TestFormPreviewIsLiveSandboxedAndAudited: the live preview frames the
// form, coupled to a fresh ten-minute capture endpoint of the preview key,
// in a sandbox without the console's origin; the framed page loads and
// allows the vault to frame it; the preview is audited; a forged post and
// another tenant's form are refused.
func TestFormPreviewIsLiveSandboxedAndAudited(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f, err := e.Forms.CreateForm(ctx, vault.DefaultTenant, forms.FormInput{Type: forms.FormTypePCD, Title: "Checkout",
		AllowedOrigins: []string{"https://shop.example"}})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e)
	b.signIn(e.AdminKey)
	_, page := b.do("GET", "/console/forms", nil)
	if !strings.Contains(page, `id="preview-`+f.ID+`"`) {
		t.Fatalf("no preview button:\n%s", page)
	}
	token := csrf(t, page)
	if resp, _ := b.do("POST", "/console/forms/"+f.ID+"/preview", url.Values{"csrf": {"wrong"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a forged preview post: %d", resp.StatusCode)
	}
	resp, page := b.do("POST", "/console/forms/"+f.ID+"/preview", url.Values{"csrf": {token}})
	frame := regexp.MustCompile(`<iframe id="preview"[^>]* src="([^"]+)" sandbox="([^"]*)"`).FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || frame == nil {
		t.Fatalf("preview: %d\n%s", resp.StatusCode, page)
	}
	if frame[2] != "allow-scripts allow-forms" {
		t.Errorf("sandbox %q: the frame must not get the console's origin", frame[2])
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self'") || strings.Contains(page, "<script") {
		t.Errorf("preview page policy %q, or script on it", csp)
	}
	src, err := url.Parse(html.UnescapeString(frame[1]))
	if err != nil || src.Path != "/v1/capture/iframe/"+f.ID || src.Query().Get("unique_id") == "" || src.Query().Get("secret") == "" {
		t.Fatalf("frame source %q", frame[1])
	}
	ep, err := e.PCI.CheckCapture(ctx, src.Query().Get("unique_id"), src.Query().Get("secret"))
	if err != nil || ep.User != pcivault.PreviewUser || ep.ExpiresAt.Sub(ep.CreatedAt).Minutes() != 10 {
		t.Errorf("the preview's endpoint %+v %v", ep, err)
	}
	// The framed page is the live form, and the vault may frame it.
	resp, form := b.do("GET", src.RequestURI(), nil, "Accept", "text/html")
	if resp.StatusCode != http.StatusOK || !strings.Contains(form, "cc-number") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'self' https://shop.example") {
		t.Errorf("the framed form: %d %s", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	got := audited(t, e, vault.DefaultTenant, "console.form.preview")
	if len(got) != 1 || len(got[0].Targets) != 2 || got[0].Targets[0] != f.ID || got[0].Targets[1] != ep.ID {
		t.Errorf("audited %+v", got)
	}
	// Another tenant's admin cannot preview this tenant's form.
	other := newBrowser(t, e)
	other.signIn(e.TenantKey(t, "acme"))
	_, page = other.do("GET", "/console/forms", nil)
	if resp, _ := other.do("POST", "/console/forms/"+f.ID+"/preview", url.Values{"csrf": {csrf(t, page)}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another tenant's form: %d", resp.StatusCode)
	}
}
