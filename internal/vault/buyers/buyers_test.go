package buyers_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/buyers"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func newService(t *testing.T) (*vaulttest.Core, *buyers.Service) {
	t.Helper()
	t.Parallel()
	c := vaulttest.NewCore(t, vault.Options{SecurityCodeTTL: time.Hour})
	if _, err := c.Vault.CreateTenant(t.Context(), "acme", "acme"); err != nil {
		t.Fatal(err)
	}
	return c, buyers.New(c.Vault)
}

func cardInput(t *testing.T, pan string) vault.CardInput {
	t.Helper()
	exp, _ := card.ParseExpiry("12/39")
	code, _ := card.ParseSecurityCode("123", card.Visa)
	return vault.CardInput{PAN: vaulttest.MustPAN(t, pan), Expiry: exp, SecurityCode: code}
}

func TestBuyerDetailsAndReferenceAreSealed(t *testing.T) {
	c, s := newService(t)
	ctx := t.Context()
	b, err := s.Create(ctx, vault.DefaultTenant, buyers.Buyer{Reference: "ada@example.com",
		Details: json.RawMessage(`{"display_name":"Ada Lovelace"}`)})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := c.Store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindBuyer}, c.Clock.Now())
	if err != nil || len(recs) != 1 {
		t.Fatalf("records %v %v", recs, err)
	}
	raw, _ := json.Marshal(recs[0])
	if strings.Contains(string(raw), "ada@example.com") || strings.Contains(string(raw), "Lovelace") || recs[0].Key == "" {
		t.Fatalf("the store sees buyer data in the clear: %s", raw)
	}
	if got, err := s.ByReference(ctx, vault.DefaultTenant, "ada@example.com"); err != nil || got.ID != b.ID {
		t.Fatalf("by reference: %+v %v", got, err)
	}
	if _, err := s.Create(ctx, vault.DefaultTenant, buyers.Buyer{Reference: "ada@example.com"}); vault.CodeOf(err) != vault.CodeConflict {
		t.Fatalf("duplicate reference: %v", err)
	}
	if _, err := s.Create(ctx, "acme", buyers.Buyer{Reference: "ada@example.com"}); err != nil {
		t.Fatalf("the same reference in another tenant: %v", err)
	}
	if _, err := s.Get(ctx, "acme", b.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("another tenant reads the buyer: %v", err)
	}
	if _, err := s.ByReference(ctx, "acme", "nobody"); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("unknown reference: %v", err)
	}
	up, err := s.Update(ctx, vault.DefaultTenant, b.ID, func(b *buyers.Buyer) error { b.Reference = "ada-2"; return nil })
	if err != nil || up.Reference != "ada-2" {
		t.Fatalf("update: %+v %v", up, err)
	}
	if _, err := s.ByReference(ctx, vault.DefaultTenant, "ada@example.com"); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("the old reference still finds the buyer: %v", err)
	}
}

func TestDeletingABuyerDeletesItsCardsAndAddresses(t *testing.T) {
	c, s := newService(t)
	ctx := t.Context()
	b, err := s.Create(ctx, vault.DefaultTenant, buyers.Buyer{})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := s.CreateCard(ctx, vault.DefaultTenant, b.ID, cardInput(t, "4111111111111111"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.Vault.CreateCard(ctx, vault.DefaultTenant, cardInput(t, "4111111111111111"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetOwner(ctx, vault.DefaultTenant, other.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if owner, err := s.Owner(ctx, vault.DefaultTenant, other.ID); err != nil || owner != b.ID {
		t.Fatalf("owner %q %v", owner, err)
	}
	if _, err := s.AddAddress(ctx, vault.DefaultTenant, b.ID, json.RawMessage(`{"first_name":"Ada"}`)); err != nil {
		t.Fatal(err)
	}
	if ids, err := s.Cards(ctx, vault.DefaultTenant, b.ID); err != nil || len(ids) != 2 {
		t.Fatalf("cards %v %v", ids, err)
	}
	if _, err := s.CreateCard(ctx, "acme", b.ID, cardInput(t, "4111111111111111")); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("a card for another tenant's buyer: %v", err)
	}
	del, err := s.Delete(ctx, vault.DefaultTenant, b.ID)
	if err != nil || del.Cards != 2 || del.Addresses != 1 {
		t.Fatalf("delete: %+v %v", del, err)
	}
	for _, id := range []string{mine.ID, other.ID} {
		if _, err := c.Vault.GetCard(ctx, vault.DefaultTenant, id); vault.CodeOf(err) != vault.CodeNotFound {
			t.Errorf("card %s survived its buyer: %v", id, err)
		}
		if _, err := c.Vault.SecurityCode(ctx, vault.DefaultTenant, id); vault.CodeOf(err) != vault.CodeNotFound {
			t.Errorf("security code of %s survived its buyer: %v", id, err)
		}
	}
}
