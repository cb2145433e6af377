package audit_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
)

func BenchmarkRecord(b *testing.B) {
	ctx := context.Background()
	l, _ := newLog(&testing.T{})
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := l.Record(ctx, audit.Event{Tenant: "default", Actor: "key", Action: "forward"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStoreCardWithEvent stores cards, 32 goroutines per core, each
// with its card.create event as the vault serves them: "sync" stores the
// card, then records the event and waits for its durable batch (before
// pending events); "pending" writes the event with the card and has the
// log link it in the background (the timing includes linking the last).
func BenchmarkStoreCardWithEvent(b *testing.B) {
	pan, err := card.ParsePAN("4111111111111111")
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"sync", "pending"} {
		b.Run(mode, func(b *testing.B) {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "cardvault.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			f := newPendingFixture(b, st)
			if mode == "sync" {
				f.svc = vault.New(st, f.svc.Keyring(), vault.Options{Now: f.clock.Now}) // pending audit off
				if err := f.svc.Init(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			ctx := context.Background()
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c, err := f.svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: pan})
					if err != nil {
						b.Fatal(err)
					}
					if mode == "sync" {
						err = f.log.Record(ctx, audit.Event{Tenant: vault.DefaultTenant, Actor: "key", Action: vault.ActionCardCreate, Targets: []string{c.ID}})
					} else {
						f.log.Link(vault.DefaultTenant)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			if err := f.log.LinkNow(ctx); err != nil {
				b.Fatal(err)
			}
		})
	}
}
