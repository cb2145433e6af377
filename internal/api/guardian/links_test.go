package guardian_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api/guardian"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// linkEnv starts a Guardian vault with the given public URL and Host trust.
func linkEnv(t *testing.T, public string, trustHost bool) *vaulttest.Env {
	t.Helper()
	return vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.PublicURL, d.TrustHostHeader = public, trustHost
		return []server.Facade{guardian.New(d)}
	}})
}

// links reads a list's links.next and a new session's base_url, sending
// the given Host header (as a client behind a proxy, or an attacker, can).
func links(t *testing.T, e *vaulttest.Env, host string) (next, baseURL string) {
	t.Helper()
	createToken(t, e, e.AdminKey, panBody)
	req, err := http.NewRequest("GET", e.URL+"/api/pci/tokens?limit=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("x-api-key", e.AdminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page := vaulttest.Decode[tokenPage](t, readBody(t, resp))
	id := startSession(t, e, `{"source":{"type":"session"}}`)
	req, err = http.NewRequest("GET", e.URL+"/sessions/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	st := vaulttest.Decode[sdkState](t, readBody(t, resp))
	base, _ := st.Data["base_url"].(string)
	return page.Links.Next, base
}

// TestLinksUsePublicURL: behind a TLS-terminating proxy, links.next and a
// session's base_url use CARDVAULT_PUBLIC_URL; without it the Host header
// is used only when the operator trusts it, and otherwise never: links
// then name the address the request arrived on.
func TestLinksUsePublicURL(t *testing.T) {
	t.Parallel()
	const evil = "evil.example"
	e := linkEnv(t, "https://vault.example.com", false)
	next, base := links(t, e, evil)
	if !strings.HasPrefix(next, "https://vault.example.com/api/pci/tokens?") || base != "https://vault.example.com" {
		t.Errorf("public URL: next %q, base_url %q", next, base)
	}

	e = linkEnv(t, "", false)
	next, base = links(t, e, evil)
	if !strings.HasPrefix(next, e.URL+"/api/pci/tokens?") || base != e.URL || strings.Contains(next+base, evil) {
		t.Errorf("no public URL, Host not trusted: next %q, base_url %q; want the vault's own %s", next, base, e.URL)
	}

	e = linkEnv(t, "", true)
	next, base = links(t, e, "shop-vault.example:8443")
	if !strings.HasPrefix(next, "http://shop-vault.example:8443/api/pci/tokens?") || base != "http://shop-vault.example:8443" {
		t.Errorf("Host trusted: next %q, base_url %q", next, base)
	}
}

// readBody reads and closes a response body.
func readBody(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
