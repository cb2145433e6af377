package vault_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// RevealCardWithSecurityCode answers as RevealCard and SecurityCode
// together: the card and its held code, the card alone once the code is
// gone, and not_found for a card that is not the tenant's.
func TestRevealCardWithSecurityCode(t *testing.T) {
	ctx := context.Background()
	svc, _, clock := newService(t)
	code, _ := card.ParseSecurityCode("123", card.Visa)
	held, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "4111111111111111"),
		Holder: "Ada", SecurityCode: code})
	if err != nil {
		t.Fatal(err)
	}
	bare, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "5555555555554444")})
	if err != nil {
		t.Fatal(err)
	}

	c, got, err := svc.RevealCardWithSecurityCode(ctx, vault.DefaultTenant, held.ID)
	if err != nil || c.PAN.Digits() != "4111111111111111" || c.Holder != "Ada" || got.Digits() != "123" {
		t.Fatalf("card with code: %v, holder %q, code held %v", err, c.Holder, !got.IsZero())
	}
	c, got, err = svc.RevealCardWithSecurityCode(ctx, vault.DefaultTenant, bare.ID)
	if err != nil || c.PAN.Digits() != "5555555555554444" || !got.IsZero() {
		t.Fatalf("card without code: %v, code held %v", err, !got.IsZero())
	}
	if _, err := svc.CreateTenant(ctx, "acme", ""); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct{ tenant, id string }{
		{"acme", held.ID}, {vault.DefaultTenant, "0190aaaa-0000-7000-8000-000000000000"}, {vault.DefaultTenant, "not-a-uuid"},
	} {
		if _, got, err := svc.RevealCardWithSecurityCode(ctx, q.tenant, q.id); vault.CodeOf(err) != vault.CodeNotFound || !got.IsZero() {
			t.Errorf("%s/%s: %v, want not_found", q.tenant, q.id, err)
		}
	}

	if err := svc.DropSecurityCode(ctx, vault.DefaultTenant, held.ID); err != nil {
		t.Fatal(err)
	}
	if _, got, err = svc.RevealCardWithSecurityCode(ctx, vault.DefaultTenant, held.ID); err != nil || !got.IsZero() {
		t.Fatalf("after the code was dropped: %v, code held %v", err, !got.IsZero())
	}
	if err := svc.HoldSecurityCode(ctx, vault.DefaultTenant, held.ID, code); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour + time.Second)
	if c, got, err = svc.RevealCardWithSecurityCode(ctx, vault.DefaultTenant, held.ID); err != nil || !got.IsZero() || c.ID != held.ID {
		t.Fatalf("after the code's TTL: %v, code held %v", err, !got.IsZero())
	}
}

// The store is untrusted on this read as on the others: a card whose clear
// columns were edited fails its integrity check, and a held code copied
// onto another card's id does not open as that card's code.
func TestRevealCardWithSecurityCodeRefusesTampering(t *testing.T) {
	ctx := context.Background()
	svc, store, _ := newService(t)
	code, _ := card.ParseSecurityCode("123", card.Visa)
	a, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "4111111111111111"), SecurityCode: code})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "5555555555554444")})
	if err != nil {
		t.Fatal(err)
	}
	// A's code copied onto B.
	rec, err := store.GetRecord(ctx, "security_code", a.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	rec.ID, rec.Parent = b.ID, b.ID
	if err := store.CreateRecord(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if _, got, err := svc.RevealCardWithSecurityCode(ctx, vault.DefaultTenant, b.ID); err == nil || !got.IsZero() {
		t.Fatalf("a code copied onto another card opened: %v", err)
	}
	// A's clear columns edited.
	raw, err := store.GetCard(ctx, vault.DefaultTenant, a.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	raw.Last4 = "0000"
	if err := store.UpdateCard(ctx, raw, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, got, err := svc.RevealCardWithSecurityCode(ctx, vault.DefaultTenant, a.ID); !errors.Is(err, vault.ErrIntegrity) || !got.IsZero() {
		t.Fatalf("an edited card: %v, want ErrIntegrity", err)
	}
}

// A store without CardRecordReader (a wrapper that does not forward it)
// gets the same answers from CardWithRecord, in two reads.
func TestCardWithRecordFallback(t *testing.T) {
	ctx := context.Background()
	svc, store, clock := newService(t)
	code, _ := card.ParseSecurityCode("123", card.Visa)
	held, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "4111111111111111"), SecurityCode: code})
	if err != nil {
		t.Fatal(err)
	}
	bare, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "5555555555554444")})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := store.(vault.CardRecordReader); !ok {
		t.Fatalf("%T does not read a card and its record together", store)
	}
	plain := struct{ vault.Store }{store} // hides CardRecordReader
	now := clock.Now()
	for _, q := range []struct{ tenant, id string }{
		{vault.DefaultTenant, held.ID}, {vault.DefaultTenant, bare.ID}, {"acme", held.ID},
	} {
		c1, r1, f1, err1 := vault.CardWithRecord(ctx, store, q.tenant, q.id, "security_code", now)
		c2, r2, f2, err2 := vault.CardWithRecord(ctx, plain, q.tenant, q.id, "security_code", now)
		if c1.ID != c2.ID || r1.ID != r2.ID || string(r1.Data) != string(r2.Data) || f1 != f2 ||
			errors.Is(err1, vault.ErrNotFound) != errors.Is(err2, vault.ErrNotFound) {
			t.Errorf("%s/%s: one read %q %q %v %v, two reads %q %q %v %v", q.tenant, q.id, c1.ID, r1.ID, f1, err1, c2.ID, r2.ID, f2, err2)
		}
	}
}

// BenchmarkRevealCardWithSecurityCode reads a card and its held code as a
// forward does: in one store read (one), or as before, RevealCard then
// SecurityCode (two).
func BenchmarkRevealCardWithSecurityCode(b *testing.B) {
	c := vaulttest.NewCore(b, vault.Options{SecurityCodeTTL: time.Hour})
	ctx, cancel := context.WithCancel(context.Background()) // cancellable, like a request's
	defer cancel()
	code, _ := card.ParseSecurityCode("123", card.Visa)
	v, err := c.Vault.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(b, "4111111111111111"),
		Holder: "Bench Holder", SecurityCode: code})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		read func() error
	}{
		{"one", func() error {
			_, _, err := c.Vault.RevealCardWithSecurityCode(ctx, vault.DefaultTenant, v.ID)
			return err
		}},
		{"two", func() error {
			if _, err := c.Vault.RevealCard(ctx, vault.DefaultTenant, v.ID); err != nil {
				return err
			}
			_, err := c.Vault.SecurityCode(ctx, vault.DefaultTenant, v.ID)
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			defer cpubench.Start(b)()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := bc.read(); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
