package native_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api/native"
	"github.com/cardvault/cardvault/internal/jwtauth"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/jwtkeys"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestJWTKeyAdminRoutes(t *testing.T) {
	t.Parallel()
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.JWTKeys = jwtkeys.New(d.Vault)
		return []server.Facade{native.New(d)}
	}})
	admin := e.Key(t, vault.ScopeAdmin)
	_, pub, err := jwtauth.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, _ := jwtauth.MarshalPublicKeyPEM(pub)
	kid, _ := jwtauth.Thumbprint(pub)
	body := `{"name":"shop","public_key":` + jsonString(string(pubPEM)) + `}`

	resp, b := e.Do(t, "POST", "/cardvault/v1/jwt-keys", body, "X-Api-Key", e.Key(t, vault.ScopeCardsWrite))
	vaulttest.WantStatus(t, resp, b, http.StatusForbidden)
	resp, b = e.Do(t, "POST", "/cardvault/v1/jwt-keys", body, "X-Api-Key", admin)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	if got := vaulttest.Decode[map[string]any](t, b); got["kid"] != kid || got["private_key"] != nil {
		t.Fatalf("register: %s, want kid %s and no private key", b, kid)
	}
	resp, b = e.Do(t, "POST", "/cardvault/v1/jwt-keys", body, "X-Api-Key", admin)
	vaulttest.WantStatus(t, resp, b, http.StatusConflict)

	resp, b = e.Do(t, "POST", "/cardvault/v1/jwt-keys", `{"generate":true}`, "X-Api-Key", admin)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	made := vaulttest.Decode[map[string]string](t, b)
	if !strings.Contains(made["private_key"], "BEGIN PRIVATE KEY") || made["kid"] == "" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("generate: %s", b)
	}
	resp, b = e.Do(t, "GET", "/cardvault/v1/jwt-keys", "", "X-Api-Key", admin)
	vaulttest.WantStatus(t, resp, b, http.StatusOK)
	if !strings.Contains(string(b), kid) || !strings.Contains(string(b), made["kid"]) || strings.Contains(string(b), "PRIVATE") {
		t.Fatalf("list: %s", b)
	}
	resp, b = e.Do(t, "POST", "/cardvault/v1/jwt-keys", `{"public_key":`+jsonString(made["private_key"])+`}`, "X-Api-Key", admin)
	vaulttest.WantStatus(t, resp, b, http.StatusBadRequest)
	if strings.Contains(string(b), "BEGIN") {
		t.Fatalf("the error echoes the key: %s", b)
	}
	resp, b = e.Do(t, "DELETE", "/cardvault/v1/jwt-keys/"+kid, "", "X-Api-Key", admin)
	vaulttest.WantStatus(t, resp, b, http.StatusNoContent)
	if _, err := jwtkeys.New(e.Vault).JWTKey(t.Context(), kid); err == nil {
		t.Fatal("the deleted key is still found")
	}
	entries, err := e.Audit.List(t.Context(), vault.DefaultTenant, vault.Page{})
	if err != nil || len(entries) != 3 || entries[0].Action != "jwt_key.create" || entries[2].Action != "jwt_key.delete" {
		t.Fatalf("audit: %+v %v", entries, err)
	}
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
