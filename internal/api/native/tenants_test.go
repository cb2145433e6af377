package native_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// TestTenantAdmin drives the tenant admin API with the bootstrap key (the
// operator's platform admin) and checks a tenant's admin can neither see
// nor touch other tenants, nor grant itself the platform scope.
func TestTenantAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	root := "Bearer " + e.AdminKey
	tenantAdmin := "Bearer " + e.Key(t, vault.ScopeAdmin)
	otherAdmin := "Bearer " + e.TenantKey(t, "acme")

	// A tenant admin (default or another tenant) is refused everywhere.
	for _, who := range []string{tenantAdmin, otherAdmin} {
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/cardvault/v1/tenants", ""},
			{"POST", "/cardvault/v1/tenants", `{"id":"evil"}`},
			{"POST", "/cardvault/v1/tenants/acme/disable", ""},
			{"POST", "/cardvault/v1/tenants/default/keys", `{"scopes":["admin"]}`},
			{"POST", "/cardvault/v1/tenants/acme/keys", `{"scopes":["cards:read"]}`},
		} {
			resp, body := e.Do(t, c.method, c.path, c.body, "Authorization", who)
			if resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), `"acme"`) {
				t.Errorf("tenant admin %s %s: %d %s, want 403", c.method, c.path, resp.StatusCode, body)
			}
		}
		resp, body := e.Do(t, "POST", "/cardvault/v1/keys", `{"scopes":["platform:admin"]}`, "Authorization", who)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("tenant admin granted itself platform:admin: %d %s", resp.StatusCode, body)
		}
	}
	if ts, err := e.Vault.ListTenants(ctx, vault.Page{Limit: 100}); err != nil || strings.Contains(fmtTenants(ts), "evil") {
		t.Fatalf("a refused request created a tenant: %v %v", ts, err)
	}

	resp, body := e.Do(t, "POST", "/cardvault/v1/tenants", `{"id":"globex","name":"Globex"}`, "Authorization", root)
	if resp.StatusCode != http.StatusCreated || vaulttest.Decode[map[string]any](t, body)["name"] != "Globex" {
		t.Fatalf("create tenant: %d %s", resp.StatusCode, body)
	}
	resp, body = e.Do(t, "POST", "/cardvault/v1/tenants", `{"id":"globex"}`, "Authorization", root)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("create an existing tenant: %d %s, want 409", resp.StatusCode, body)
	}
	resp, body = e.Do(t, "GET", "/cardvault/v1/tenants", "", "Authorization", root)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"globex"`) || !strings.Contains(string(body), `"acme"`) {
		t.Fatalf("list tenants: %d %s", resp.StatusCode, body)
	}

	resp, body = e.Do(t, "POST", "/cardvault/v1/tenants/globex/keys", `{"name":"ops","scopes":["cards:read"]}`, "Authorization", root)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create a key for globex: %d %s", resp.StatusCode, body)
	}
	globexKey := vaulttest.Decode[map[string]any](t, body)["secret"].(string)
	p, err := e.Vault.Authenticate(ctx, globexKey)
	if err != nil || p.Tenant != "globex" {
		t.Fatalf("the new key is %+v %v, want a globex key", p, err)
	}
	resp, _ = e.Do(t, "POST", "/cardvault/v1/tenants/nobody/keys", `{"scopes":["cards:read"]}`, "Authorization", root)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("key for an unknown tenant: %d, want 404", resp.StatusCode)
	}

	resp, body = e.Do(t, "POST", "/cardvault/v1/tenants/default/disable", "", "Authorization", root)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("disable own tenant: %d %s, want 400", resp.StatusCode, body)
	}
	resp, body = e.Do(t, "POST", "/cardvault/v1/tenants/globex/disable", "", "Authorization", root)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("disable globex: %d %s", resp.StatusCode, body)
	}
	if _, err := e.Vault.Authenticate(ctx, globexKey); err == nil {
		t.Fatal("a disabled tenant's key still authenticates")
	}
	resp, _ = e.Do(t, "POST", "/cardvault/v1/tenants/nobody/disable", "", "Authorization", root)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("disable an unknown tenant: %d, want 404", resp.StatusCode)
	}

	entries, err := e.Audit.List(ctx, "globex", vault.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action)
	}
	if strings.Join(actions, ",") != "tenant.create,api_key.create,tenant.disable" {
		t.Fatalf("globex's audit chain holds %v", actions)
	}
}

// TestKeyListingShowsLastUse checks a key's use shows as last_used_at.
func TestKeyListingShowsLastUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reader := e.Key(t, vault.ScopeCardsRead)
	_, body := e.Do(t, "GET", "/cardvault/v1/keys", "", "Authorization", "Bearer "+e.AdminKey)
	if strings.Count(string(body), "last_used_at") != 1 { // only the admin key itself
		t.Fatalf("before use: %s", body)
	}
	e.Do(t, "GET", "/cardvault/v1/cards", "", "Authorization", "Bearer "+reader)
	_, body = e.Do(t, "GET", "/cardvault/v1/keys", "", "Authorization", "Bearer "+e.AdminKey)
	if strings.Count(string(body), "last_used_at") != 2 {
		t.Fatalf("after use: %s", body)
	}
}

// fmtTenants joins tenant ids.
func fmtTenants(ts []vault.Tenant) string {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return strings.Join(ids, ",")
}
