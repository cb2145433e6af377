package vault_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// BenchmarkCreateCard stores a new card as Guardian's tokenize does (pending
// audit on, a holder, no metadata), from several goroutines at once.
// "core" runs everything of CreateCard but the store's inserts (its
// transaction writes nothing), which is the work outside the store's serial
// commit section; "sqlite" stores every card.
func BenchmarkCreateCard(b *testing.B) {
	for _, discard := range []bool{true, false} {
		name := "sqlite"
		if discard {
			name = "core"
		}
		b.Run(name, func(b *testing.B) {
			store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "cardvault.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { store.Close() })
			keyring, err := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
			if err != nil {
				b.Fatal(err)
			}
			d := &discardingStore{Store: store}
			clock := &vaulttest.Clock{}
			clock.Stop(vaulttest.CoreEpoch)
			svc := vault.New(d, keyring, vault.Options{Now: clock.Now})
			if err := svc.Init(context.Background()); err != nil {
				b.Fatal(err)
			}
			svc.EnablePendingAudit(func(context.Context) string { return "req-1" })
			d.discard.Store(discard)
			ctx, cancel := context.WithCancel(context.Background()) // cancellable, like a request's
			defer cancel()
			ctx = vault.WithPrincipal(ctx, vault.Principal{Tenant: vault.DefaultTenant, KeyID: "key-1"})
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			defer cpubench.Start(b)()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					pan := vaulttest.MustPAN(b, vaulttest.WithLuhn(fmt.Sprintf("41%013d", n.Add(1))))
					in := vault.CardInput{PAN: pan, Expiry: benchExpiry, Holder: "John Doe"}
					if _, err := svc.CreateCard(ctx, vault.DefaultTenant, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// benchExpiry is the expiry of the benchmark's cards, as wrk's tokenize sends.
var benchExpiry = card.Expiry{Month: 12, Year: 2039}

// discardingStore is a Store whose transactions, once discard is set, write
// no cards and no records: what is left of a CreateCard is the core's own
// work.
type discardingStore struct {
	vault.Store
	discard atomic.Bool
}

// Tx runs fn on a transaction that drops card and record inserts.
func (d *discardingStore) Tx(ctx context.Context, fn func(vault.Store) error) error {
	if !d.discard.Load() {
		return d.Store.Tx(ctx, fn)
	}
	return fn(discardingTx{d})
}

// discardingTx is the transaction of a discardingStore.
type discardingTx struct{ *discardingStore }

func (discardingTx) CreateCard(context.Context, vault.Card) error     { return nil }
func (discardingTx) CreateRecord(context.Context, vault.Record) error { return nil }
