package hostedform_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api/hostedform"
	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// formLink creates a form with the request's Host set to host and returns
// the link the vault answers.
func formLink(t *testing.T, e *vaulttest.Env, host string) string {
	t.Helper()
	req, err := http.NewRequest("POST", e.URL+"/v1/capture/iframe?form_type=pcd", strings.NewReader(seedForm))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Authorization", vaulttest.BasicAuth(e.AdminKey))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var f struct{ Link string }
	if err := json.Unmarshal(body, &f); err != nil || resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		t.Fatalf("create form: %d %s", resp.StatusCode, body)
	}
	return f.Link
}

// A form's link never follows a forged Host header: it comes from the
// public URL, or the address the request arrived on.
func TestFormLinkIgnoresTheHostHeader(t *testing.T) {
	t.Parallel()
	plain := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		return []server.Facade{hostedform.New(d), pcivault.New(d)}
	}})
	if link := formLink(t, plain, "evil.example"); strings.Contains(link, "evil") ||
		!strings.HasPrefix(link, strings.TrimPrefix(plain.URL, "http://")+"/v1/capture/iframe/") {
		t.Errorf("without a public URL the link is %q", link)
	}
	public := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.PublicURL = "https://vault.example.com"
		return []server.Facade{hostedform.New(d), pcivault.New(d)}
	}})
	if link := formLink(t, public, "evil.example"); !strings.HasPrefix(link, "vault.example.com/v1/capture/iframe/") {
		t.Errorf("with a public URL the link is %q", link)
	}
}
