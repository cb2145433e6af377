package vault_test

import (
	"context"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// TestPlatformAdminIsApartFromAdmin checks a tenant's admin scope does not
// include platform:admin, cannot grant it, and that `--scopes` parsing
// accepts it.
func TestPlatformAdminIsApartFromAdmin(t *testing.T) {
	admin := vault.Principal{Tenant: "acme", Scopes: []vault.Scope{vault.ScopeAdmin}}
	if admin.Can(vault.ScopePlatformAdmin) || admin.Require(vault.ScopePlatformAdmin) == nil {
		t.Error("admin holds platform:admin")
	}
	if !admin.Can(vault.ScopeCardsReveal) {
		t.Error("admin no longer holds the tenant's scopes")
	}
	if admin.CanGrant([]vault.Scope{vault.ScopeCardsRead, vault.ScopePlatformAdmin}) == nil {
		t.Error("admin may grant platform:admin")
	}
	root := vault.Principal{Scopes: []vault.Scope{vault.ScopeAdmin, vault.ScopePlatformAdmin}}
	if !root.Can(vault.ScopePlatformAdmin) || root.CanGrant([]vault.Scope{vault.ScopePlatformAdmin}) != nil {
		t.Error("a platform admin cannot use or grant its scope")
	}
	if s, err := vault.ParseScopes("cards:read,platform:admin"); err != nil || len(s) != 2 || s[1] != vault.ScopePlatformAdmin {
		t.Errorf("ParseScopes: %v %v", s, err)
	}
}

// TestBootstrapKeyIsPlatformAdmin checks the bootstrap key, new or made
// before platform:admin existed (admin only), is a platform admin, and an
// ordinary admin key with a look-alike name is not.
func TestBootstrapKeyIsPlatformAdmin(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	secret := "bootstrap-" + seal.NewSecret()
	if err := svc.EnsureBootstrapKey(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if p, err := svc.Authenticate(ctx, secret); err != nil || !p.Can(vault.ScopePlatformAdmin) {
		t.Fatalf("new bootstrap key: %+v %v", p, err)
	}
	old := "old-bootstrap-" + seal.NewSecret()
	legacy := vault.APIKey{ID: "key_bootstrap_0123456789ab", Tenant: vault.DefaultTenant, Name: "bootstrap",
		Scopes: []vault.Scope{vault.ScopeAdmin}, Hash: seal.HashSecret(old), CreatedAt: svc.Now()}
	if err := svc.Store().CreateAPIKey(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	if p, err := svc.Authenticate(ctx, old); err != nil || !p.Can(vault.ScopePlatformAdmin) {
		t.Fatalf("bootstrap key made before platform:admin: %+v %v", p, err)
	}
	_, plain, err := svc.CreateAPIKey(ctx, vault.NewAPIKey{Tenant: vault.DefaultTenant, Name: "bootstrap", Scopes: []vault.Scope{vault.ScopeAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := svc.Authenticate(ctx, plain); err != nil || p.Can(vault.ScopePlatformAdmin) {
		t.Fatalf("an admin key named bootstrap: %+v %v", p, err)
	}
}
