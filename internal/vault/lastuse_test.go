package vault_test

import (
	"context"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// TestKeyLastUseIsStoredAtMostOncePerMinute checks a key's use is seen at
// once by its node, reaches the store (seen by another node) on first use,
// and a use within vault.LastUsePrecision of the last write is not written.
func TestKeyLastUseIsStoredAtMostOncePerMinute(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	c := vaulttest.NewCore(t, vault.Options{})
	node1 := vault.New(c.Store, c.Vault.Keyring(), vault.Options{Now: clock})
	node2 := vault.New(c.Store, c.Vault.Keyring(), vault.Options{Now: clock})
	k, secret, err := node1.CreateAPIKey(ctx, vault.NewAPIKey{Tenant: vault.DefaultTenant, Scopes: []vault.Scope{vault.ScopeCardsRead}})
	if err != nil {
		t.Fatal(err)
	}
	if at, err := node2.KeyLastUsed(ctx, vault.DefaultTenant, k.ID); err != nil || !at.IsZero() {
		t.Fatalf("unused key: %v %v", at, err)
	}
	auth := func() {
		t.Helper()
		if _, err := node1.Authenticate(ctx, secret); err != nil {
			t.Fatal(err)
		}
	}
	first := now
	auth()
	if at, _ := node2.KeyLastUsed(ctx, vault.DefaultTenant, k.ID); !at.Equal(first) {
		t.Fatalf("another node sees %v after the first use, want %v", at, first)
	}
	now = now.Add(30 * time.Second)
	auth()
	if at, _ := node1.KeyLastUsed(ctx, vault.DefaultTenant, k.ID); !at.Equal(now) {
		t.Fatalf("the using node sees %v, want %v", at, now)
	}
	if at, _ := node2.KeyLastUsed(ctx, vault.DefaultTenant, k.ID); !at.Equal(first) {
		t.Fatalf("a use within a minute was written: another node sees %v, want %v", at, first)
	}
	now = now.Add(vault.LastUsePrecision)
	auth()
	if at, _ := node2.KeyLastUsed(ctx, vault.DefaultTenant, k.ID); !at.Equal(now) {
		t.Fatalf("after a minute another node sees %v, want %v", at, now)
	}
}
