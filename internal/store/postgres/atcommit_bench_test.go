package postgres

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/vault"
)

// BenchmarkTokenizeTx runs a tokenize's transaction (a card and its
// pending card.create event) from 64 goroutines on the default pool, with
// each INSERT answered on its own (BEGIN+INSERT, INSERT, COMMIT: three
// round trips, as before vault.AtCommit) and with both held for the
// COMMIT (one round trip). cpu-µs/op is this process's CPU per
// transaction; PostgreSQL's own CPU is not in it.
//
//	CARDVAULT_TEST_DATABASE_URL=postgres://… go test -run '^$' -bench TokenizeTx ./internal/store/postgres
func BenchmarkTokenizeTx(b *testing.B) {
	for _, mode := range []string{"each-answered", "held"} {
		b.Run(mode, func(b *testing.B) {
			db := openTest(b)
			ctx, now := b.Context(), time.Now().UTC().Truncate(time.Microsecond)
			var seq atomic.Int64
			b.SetParallelism(32) // 64 goroutines on two cores, as wrk's 64 connections
			b.ResetTimer()
			defer cpubench.Start(b)()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := fmt.Sprintf("%s-%d", mode, seq.Add(1))
					err := db.Tx(ctx, func(s vault.Store) error {
						if mode == "held" {
							s = vault.AtCommit(s)
						}
						c := vault.Card{Tenant: "a", ID: id, Fingerprint: "fp-" + id, BIN: "411111", Last4: "1111",
							SealedPAN: make([]byte, 80), SealedHolder: make([]byte, 60), SealedExtra: make([]byte, 40),
							Metadata: []byte("{}"), Integrity: make([]byte, 32), CreatedAt: now, UpdatedAt: now}
						if err := s.CreateCard(ctx, c); err != nil {
							return err
						}
						return s.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "audit_pending", ID: id,
							Data: make([]byte, 300), Version: 1, CreatedAt: now, UpdatedAt: now})
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
