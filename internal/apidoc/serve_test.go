package apidoc_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/apidoc"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// externalRef finds a link, script or asset that leaves the vault.
var externalRef = regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:)?//`)

func TestServedDocumentsAndPages(t *testing.T) {
	docs, err := apidoc.New(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e := vaulttest.New(t, vaulttest.Options{Facades: func(vaulttest.Deps) []server.Facade { return []server.Facade{docs} }})
	for _, name := range apidoc.Names() {
		resp, body := e.Do(t, "GET", "/openapi/"+name+".json", "")
		want, _ := apidoc.Document(name)
		if resp.StatusCode != 200 || !bytes.Equal(body, want) || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s.json: %d %s", name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var doc struct {
			Paths map[string]map[string]json.RawMessage
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}

		resp, page := e.Do(t, "GET", "/openapi/"+name, "")
		csp := resp.Header.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("%s page: %d, CSP %q", name, resp.StatusCode, csp)
		}
		html := string(page)
		if strings.Contains(strings.ToLower(html), "<script") || externalRef.MatchString(html) {
			t.Errorf("%s page has a script or an external asset", name)
		}
		for path := range doc.Paths {
			if !strings.Contains(html, path) {
				t.Errorf("%s page does not show %s", name, path)
			}
		}
	}
	if resp, _ := e.Do(t, "GET", "/openapi/", ""); resp.StatusCode != 200 {
		t.Errorf("index: %d", resp.StatusCode)
	}
	if resp, _ := e.Do(t, "GET", "/openapi/reference.css", ""); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, bad := range []string{"/openapi/nope.json", "/openapi/..%2fapidoc.go", "/openapi/nope"} {
		if resp, body := e.Do(t, "GET", bad, ""); resp.StatusCode != 404 || !strings.Contains(string(body), `"not_found"`) {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, body)
		}
	}
}
