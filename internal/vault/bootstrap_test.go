package vault_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

// Changing the bootstrap value replaces the bootstrap key: the old value
// stops working, and naming a revoked value again fails with the fix.
func TestBootstrapKeyIsReplacedNotAccumulated(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	first := "first-bootstrap-value-0123456789abcdef"
	second := "second-bootstrap-value-0123456789abcdef"
	if err := svc.EnsureBootstrapKey(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := svc.EnsureBootstrapKey(ctx, first); err != nil {
		t.Fatalf("the same value again (a restart): %v", err)
	}
	if _, err := svc.Authenticate(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := svc.EnsureBootstrapKey(ctx, second); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, first); vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Fatalf("the previous bootstrap value still works: %v", err)
	}
	if p, err := svc.Authenticate(ctx, second); err != nil || !p.Can(vault.ScopeAdmin) {
		t.Fatalf("new bootstrap key: %+v %v", p, err)
	}
	err := svc.EnsureBootstrapKey(ctx, first)
	if err == nil || !strings.Contains(err.Error(), "set CARDVAULT_BOOTSTRAP_API_KEY to a new value") {
		t.Fatalf("a revoked bootstrap value: %v", err)
	}
	keys, err := svc.ListAPIKeys(ctx, vault.DefaultTenant, vault.Page{})
	if err != nil {
		t.Fatal(err)
	}
	live := 0
	for _, k := range keys {
		if k.RevokedAt.IsZero() {
			live++
		}
	}
	if live != 1 {
		t.Fatalf("%d live bootstrap keys, want 1", live)
	}
}
