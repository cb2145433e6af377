package vault_test

import (
	"context"
	"testing"

	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// BenchmarkRevealCard reads and opens a card as the native reveal does (the
// store read, three sealed fields, the extra and metadata JSON), from
// several goroutines at once.
func BenchmarkRevealCard(b *testing.B) {
	c := vaulttest.NewCore(b, vault.Options{})
	ctx, cancel := context.WithCancel(context.Background()) // cancellable, like a request's
	defer cancel()
	v, err := c.Vault.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(b, "4111111111111111"),
		Holder: "Bench Holder", Metadata: map[string]string{"order": "o-1"}, Extra: map[string]string{"k": "v"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	defer cpubench.Start(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Vault.RevealCard(ctx, vault.DefaultTenant, v.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRecordGet reads and opens a typed record (envelope, unseal, JSON
// of the value), as PCI Vault reveals and held security codes do.
func BenchmarkRecordGet(b *testing.B) {
	c := vaulttest.NewCore(b, vault.Options{})
	ctx, cancel := context.WithCancel(context.Background()) // cancellable, like a request's
	defer cancel()
	secret := make([]byte, 1500)
	for i := range secret {
		secret[i] = 'a' + byte(i%26)
	}
	n, err := notes.Put(ctx, c.Vault, vault.Stored[note]{Tenant: vault.DefaultTenant, ID: "n1",
		Value: note{Name: "first", Group: "g", Secret: string(secret)}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	defer cpubench.Start(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := notes.Get(ctx, c.Vault, vault.DefaultTenant, n.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
