package sqlite

import (
	"context"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/vault"
)

// BenchmarkGroupCommit runs small durable transactions from many goroutines
// at once, as concurrent requests do: one record insert each (about the
// size of an audit entry), each acknowledged once its group's COMMIT is
// synced. The contexts are cancellable, like a request's.
func BenchmarkGroupCommit(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := openTest(b, filepath.Join(b.TempDir(), "g.db"))
	data := make([]byte, 400)
	now := time.Now()
	var n atomic.Int64
	b.SetParallelism(32) // 32 × GOMAXPROCS goroutines
	b.ReportAllocs()
	b.ResetTimer()
	defer cpubench.Start(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := strconv.FormatInt(n.Add(1), 10)
			err := db.Tx(ctx, func(tx vault.Store) error {
				return tx.CreateRecord(ctx, vault.Record{Tenant: "t", Kind: "entry", ID: id, Data: data, Version: 1,
					CreatedAt: now, UpdatedAt: now})
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
