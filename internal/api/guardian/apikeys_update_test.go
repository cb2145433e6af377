package guardian_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// PATCH /api/admin/api-keys/{id} replaces a key's scopes: the answer has
// GET's shape, and the key works with the new scopes only, at once.
func TestAPIKeyScopeChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	admin := []string{"x-admin-token", e.AdminKey}
	resp, b := e.Do(t, "POST", "/api/admin/api-keys", `{"scopes":["pci:tokens:read","pci:tokens:create"]}`, admin...)
	if resp.StatusCode != 200 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	k := vaulttest.Decode[apiKey](t, b)
	createToken(t, e, k.KeyValue, panBody)

	resp, b = e.Do(t, "PATCH", "/api/admin/api-keys/"+k.ID, `{"scopes":["pci:tokens:read"]}`, admin...)
	if resp.StatusCode != 200 {
		t.Fatalf("patch: %d %s", resp.StatusCode, b)
	}
	got := vaulttest.Decode[apiKey](t, b)
	if got.ID != k.ID || got.CreatedAt != k.CreatedAt || got.KeyValue != "" || got.Masked == "" ||
		!slices.Equal(got.Scopes, []string{"pci:tokens:read", "metadata:inquiry:create", "network:tokens:read"}) || strings.Contains(string(b), k.KeyValue) {
		t.Fatalf("patched key: %s", b)
	}
	// The key can still read, and can no longer create.
	if resp, b := e.Do(t, "GET", "/api/pci/tokens", "", "x-api-key", k.KeyValue); resp.StatusCode != 200 {
		t.Fatalf("the key lost a scope it kept: %d %s", resp.StatusCode, b)
	}
	resp, b = e.Do(t, "POST", "/api/pci/tokens", panBody, "x-api-key", k.KeyValue)
	wantError(t, resp, b, http.StatusForbidden, "cards:write")

	// GET shows what PATCH answered.
	resp, b = e.Do(t, "GET", "/api/admin/api-keys/"+k.ID, "", admin...)
	if resp.StatusCode != 200 || !slices.Equal(vaulttest.Decode[apiKey](t, b).Scopes, got.Scopes) {
		t.Fatalf("get after patch: %d %s", resp.StatusCode, b)
	}

	// Scopes can be widened too (by an admin), and cardvault's own names work.
	resp, b = e.Do(t, "PATCH", "/api/admin/api-keys/"+k.ID, `{"scopes":["pci:tokens:forward","cards:write"]}`, admin...)
	if resp.StatusCode != 200 {
		t.Fatalf("patch: %d %s", resp.StatusCode, b)
	}
	createToken(t, e, k.KeyValue, panBody)
	resp, b = e.Do(t, "GET", "/api/pci/tokens", "", "x-api-key", k.KeyValue)
	wantError(t, resp, b, http.StatusForbidden, "cards:read")

	var actions []string
	for _, en := range auditActions(t, e) {
		if strings.HasPrefix(en.Action, "api_key.") {
			actions = append(actions, en.Action+"="+en.Detail["scopes"])
		}
	}
	if strings.Join(actions, ",") != "api_key.create=,api_key.update=cards:read,api_key.update=cards:write,forward" {
		t.Errorf("audited %v", actions)
	}
	e.AssertLogClean(t, k.KeyValue)
}

// Every bad PATCH is refused in Guardian's error shape and changes nothing.
func TestAPIKeyScopeChangeRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	admin := []string{"x-api-key", e.AdminKey}
	_, b := e.Do(t, "POST", "/api/admin/api-keys", `{"scopes":["pci:tokens:read"]}`, admin...)
	k := vaulttest.Decode[apiKey](t, b)
	path := "/api/admin/api-keys/" + k.ID

	for name, tc := range map[string]struct {
		body   string
		status int
		want   string
	}{
		"no scopes":             {`{}`, 400, "at least one scope"},
		"null scopes":           {`{"scopes":null}`, 400, "at least one scope"},
		"empty scopes":          {`{"scopes":[]}`, 400, "at least one scope"},
		"unknown scope":         {`{"scopes":["pci:tokens:fly"]}`, 400, "pci:tokens:fly"},
		"unknown network scope": {`{"scopes":["network:tokens:fly"]}`, 400, "network:tokens:fly"},
		"narrow admin scope":    {`{"scopes":["admin:api-keys:update"]}`, 400, "admin:api-keys:update"},
		"scopes not a list":     {`{"scopes":"pci:tokens:read"}`, 400, "scopes"},
		"not a scope name":      {`{"scopes":[7]}`, 400, "scopes"},
		"lifetime change":       {`{"scopes":["pci:tokens:read"],"expiration_time":60}`, 400, "expiration_time"},
		"malformed":             {`{"scopes":[`, 400, "malformed JSON"},
		"empty body":            {``, 400, "empty"},
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := e.Do(t, "PATCH", path, tc.body, admin...)
			wantError(t, resp, b, tc.status, tc.want)
		})
	}
	resp, b := e.Do(t, "PATCH", path, `{"scopes":["pci:tokens:read"]}`, "x-api-key", e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead))
	wantError(t, resp, b, http.StatusForbidden, "admin")
	resp, b = e.Do(t, "PATCH", path, `{"scopes":["pci:tokens:read"]}`)
	wantError(t, resp, b, http.StatusUnauthorized)

	resp, b = e.Do(t, "PATCH", "/api/admin/api-keys/key_missing", `{"scopes":["pci:tokens:read"]}`, admin...)
	wantError(t, resp, b, http.StatusNotFound, "API key not found")
	// Another tenant's admin cannot see the key, let alone change it.
	resp, b = e.Do(t, "PATCH", path, `{"scopes":["admin"]}`, "x-api-key", e.TenantKey(t, "acme"))
	wantError(t, resp, b, http.StatusNotFound, "API key not found")

	// Nothing above changed the key.
	_, b = e.Do(t, "GET", path, "", admin...)
	if got := vaulttest.Decode[apiKey](t, b).Scopes; !slices.Equal(got, []string{"pci:tokens:read", "metadata:inquiry:create", "network:tokens:read"}) {
		t.Fatalf("a refused PATCH changed the key: %v", got)
	}

	// A revoked key is gone for PATCH as for GET and DELETE, and stays revoked.
	if resp, b := e.Do(t, "DELETE", path, "", admin...); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	resp, b = e.Do(t, "PATCH", path, `{"scopes":["admin"]}`, admin...)
	wantError(t, resp, b, http.StatusNotFound, "API key not found")
	resp, b = e.Do(t, "GET", "/api/pci/tokens", "", "x-api-key", k.KeyValue)
	wantError(t, resp, b, http.StatusUnauthorized)
	for _, en := range auditActions(t, e) {
		if en.Action == "api_key.update" {
			t.Errorf("a refused PATCH was audited as a change: %+v", en)
		}
	}
}
