package vault_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

// A record sealed outside a transaction and created inside it reads back
// as Put would have stored it; creating it again is a conflict, and a
// sealed record of another kind is refused, not stored.
func TestRecordTypeSealThenPutSealed(t *testing.T) {
	c, _ := newNotes(t)
	ctx := context.Background()
	sr, err := notes.Seal(ctx, c.Vault, vault.Stored[note]{Tenant: vault.DefaultTenant, ID: "n2",
		Value: note{Name: "second", Group: "g", Secret: "other-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	var put vault.Stored[note]
	if err := c.Vault.Tx(ctx, func(tx *vault.Service) error {
		put, err = notes.PutSealed(ctx, tx, sr)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got, err := notes.ByKey(ctx, c.Vault, vault.DefaultTenant, "second")
	if err != nil || got.Value != put.Value || got.Version != 1 || put.Version != 1 || !got.CreatedAt.Equal(put.CreatedAt) || put.CreatedAt.IsZero() {
		t.Fatalf("read back %+v (%v), put %+v", got, err, put)
	}
	if _, err := notes.PutSealed(ctx, c.Vault, sr); !errors.Is(err, vault.ErrConflict) {
		t.Errorf("created twice: %v", err)
	}
	others := vault.NewRecordType("test_other", 1, func(n *note) string { return n.Name }, nil)
	osr, err := others.Seal(ctx, c.Vault, vault.Stored[note]{Tenant: vault.DefaultTenant, ID: "o1", Value: note{Name: "third"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := notes.PutSealed(ctx, c.Vault, vault.Sealed[note](osr)); err == nil {
		t.Error("a sealed record of another kind was created")
	}
	if _, err := notes.Get(ctx, c.Vault, vault.DefaultTenant, "o1"); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("the other kind's record: %v", err)
	}
}
