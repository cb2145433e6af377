package hostedform_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vaulttest"
)

// styledForm is a form with PCI Vault's css_links, embedded_css and
// hide_card.
const styledCSS = `main.card{border:3px solid rgb(1, 2, 3)}`

func styledForm(link string) string {
	return `{"css_links":["` + link + `"],"embedded_css":"` + b64(styledCSS) + `","hide_card":true,"force_keypad":true,"strip_spaces":true}`
}

// css_links load under a style-src limited to their https origins,
// embedded_css runs under the page's nonce, hide_card hides the scheme
// badge, and reading the form gives them back.
func TestFormStyleOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	f := e.createForm(t, styledForm("https://Styles.Shop.example/form.css?v=2"))
	resp, page := e.load(t, formPath(f.ID, e.createEndpoint(t)))
	vaulttest.WantStatus(t, resp, []byte(page), http.StatusOK)
	csp := resp.Header.Get("Content-Security-Policy")
	nonce := csp[strings.Index(csp, "'nonce-")+7:]
	nonce = nonce[:strings.Index(nonce, "'")]
	if !strings.Contains(csp, "style-src 'nonce-"+nonce+"' https://styles.shop.example;") || strings.Contains(csp, "script-src 'nonce-"+nonce+"' https") {
		t.Errorf("policy %s", csp)
	}
	for _, want := range []string{
		`<link rel="stylesheet" href="https://Styles.Shop.example/form.css?v=2" nonce="` + nonce + `"`,
		`<style nonce="` + nonce + `">` + styledCSS + `</style>`,
		`id="cv-scheme" aria-live="polite" hidden>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	resp, body := e.call(t, "GET", "/v1/capture/iframe/"+f.ID, "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	got := vaulttest.Decode[map[string]any](t, body)
	if got["embedded_css"] != b64(styledCSS) || got["hide_card"] != true || len(got["css_links"].([]any)) != 1 {
		t.Errorf("the form reads back as %s", body)
	}
}
