package networktokens_test

import (
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
)

// TestStoreWriterCannotMoveCopyOrExtend: someone who can write the store
// cannot copy one token's sealed record onto another, move a token to
// another card, or lengthen a cryptogram's life; each such record fails
// to open instead of reading as something it is not.
func TestStoreWriterCannotMoveCopyOrExtend(t *testing.T) {
	s, c := newService(t)
	ctx := t.Context()
	cardA, cardB := storeCard(t, c, vault.DefaultTenant, "4111111111111111"), storeCard(t, c, vault.DefaultTenant, "5555555555554444")
	a, err := s.Provision(ctx, vault.DefaultTenant, cardA, networktokens.ProvisionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Provision(ctx, vault.DefaultTenant, cardB, networktokens.ProvisionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cg, err := s.Cryptogram(ctx, vault.DefaultTenant, a.ID, tsp.Binding{})
	if err != nil {
		t.Fatal(err)
	}
	raw := func(kind, id string) vault.Record {
		r, err := c.Store.GetRecord(ctx, kind, id, c.Vault.Now())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	write := func(r vault.Record) {
		if _, err := c.Store.UpdateRecord(ctx, r, c.Vault.Now()); err != nil {
			t.Fatal(err)
		}
	}

	// A's sealed data on B's row: B does not read as A's DPAN.
	rb := raw(vault.KindNetworkToken, b.ID)
	rb.Data = raw(vault.KindNetworkToken, a.ID).Data
	write(rb)
	if got, err := s.Get(ctx, vault.DefaultTenant, b.ID); err == nil || got.DPAN.Digits() == a.DPAN.Digits() {
		t.Errorf("a copied token record opened: %v", err)
	}
	// A moved to card B: it no longer opens, alone or in card B's list.
	ra := raw(vault.KindNetworkToken, a.ID)
	ra.Parent = cardB
	write(ra)
	if _, err := s.Get(ctx, vault.DefaultTenant, a.ID); err == nil {
		t.Error("a token moved to another card opened")
	}
	if l, err := s.List(ctx, vault.DefaultTenant, cardB, vault.Page{Limit: 10}); err == nil {
		t.Errorf("card B's list with a moved-in token: %d tokens", len(l))
	}
	// A cryptogram given a longer life does not redeem.
	rc := raw(vault.KindNetworkCryptogram, cg.Reference)
	rc.ExpiresAt = rc.ExpiresAt.Add(time.Hour)
	write(rc)
	if _, err := s.Redeem(ctx, vault.DefaultTenant, "", cg.Reference, nil); err == nil {
		t.Error("a cryptogram with an extended record life redeemed")
	}
}
