package guardian_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api/guardian"
	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// Guardian's admin:webhooks:* scopes grant cardvault's narrow webhooks
// scope: such a key manages webhook endpoints and can do nothing else.
func TestWebhookAdminScopesManageWebhooksOnly(t *testing.T) {
	t.Parallel()
	rcv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(rcv.Close)
	relay := vaulttest.Relay(t, rcv.URL)
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.Webhooks = webhooks.New(d.Vault, relay, d.Log, webhooks.Options{})
		return []server.Facade{guardian.New(d)}
	}})
	doc := apidoctest.New(t, "guardian")
	made := doc.Run(t, e.URL, []apidoctest.Step{
		{Method: "POST", Path: "/api/admin/api-keys", Body: `{"scopes":["admin:webhooks:create","admin:webhooks:read"]}`,
			Status: 200, Save: map[string]string{"key": "key_value"}},
	}, "x-api-key", e.AdminKey)
	key := made["key"]
	_, b := e.Do(t, "GET", "/api/admin/api-keys?limit=100", "", "x-api-key", e.AdminKey)
	if !strings.Contains(string(b), `"scopes":["admin:webhooks:create","admin:webhooks:read","admin:webhooks:delete"]`) {
		t.Fatalf("the key's scopes read back as %s", b)
	}
	vars := doc.Run(t, e.URL, []apidoctest.Step{
		{Method: "POST", Path: "/api/admin/webhooks", Body: `{"url":"https://evil.example.net/hook"}`, Status: 400},
		{Method: "POST", Path: "/api/admin/webhooks", Body: `{"url":"` + rcv.URL + `/hook","events":["network_token.suspended"]}`,
			Status: 200, Save: map[string]string{"id": "id", "secret": "secret"}},
		{Method: "GET", Path: "/api/admin/webhooks", Status: 200},
		{Method: "GET", Path: "/api/admin/webhooks/{id}", Status: 200},
		{Method: "GET", Path: "/api/pci/tokens", Status: 403},
		{Method: "POST", Path: "/api/admin/api-keys", Body: `{"scopes":["pci:tokens:read"]}`, Status: 403},
		{Method: "DELETE", Path: "/api/admin/webhooks/{id}", Status: 204},
		{Method: "GET", Path: "/api/admin/webhooks/{id}", Status: 404},
	}, "x-api-key", key)
	if !strings.HasPrefix(vars["secret"], "whsec_") {
		t.Fatalf("secret %q", vars["secret"])
	}
	// A key holding admin and webhooks lists each Guardian scope once.
	resp, b := e.Do(t, "POST", "/api/admin/api-keys", `{"scopes":["admin","admin:webhooks:read"]}`, "x-api-key", e.AdminKey)
	if resp.StatusCode != 200 || strings.Count(string(b), `"admin:webhooks:read"`) != 1 {
		t.Fatalf("admin and webhooks: %s", b)
	}
	resp, b = e.Do(t, "POST", "/api/admin/webhooks", `{"url":"http://169.254.169.254/latest"}`, "x-api-key", key)
	wantError(t, resp, b, http.StatusBadRequest, "url", "webhook URL refused")
}
