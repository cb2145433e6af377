package sqlite

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/vault"
)

// BenchmarkCardWithRecord reads a card with the record held for it, as a
// forward reads its card and security code: "join" in one statement
// (CardWithRecord), "two" as GetCard then GetRecord. Every tenth card holds
// no record. With and without a writer committing every millisecond beside
// the readers; the fixtures and goroutines are BenchmarkPointRead's.
func BenchmarkCardWithRecord(b *testing.B) {
	reads := []struct {
		name string
		read func(ctx context.Context, db *DB, id string) (bool, error)
	}{
		{"join", func(ctx context.Context, db *DB, id string) (bool, error) {
			_, _, found, err := db.CardWithRecord(ctx, "t", id, "hold", time.Now())
			return found, err
		}},
		{"two", func(ctx context.Context, db *DB, id string) (bool, error) {
			now := time.Now()
			if _, err := db.GetCard(ctx, "t", id, now); err != nil {
				return false, err
			}
			_, err := db.GetRecord(ctx, "hold", id, now)
			if errors.Is(err, vault.ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		}},
	}
	for _, r := range reads {
		for _, writes := range []bool{false, true} {
			b.Run(r.name+"/writes="+strconv.FormatBool(writes), func(b *testing.B) {
				const n = 1000
				db, _ := readFixture(b, n)
				holdRecords(b, db, n)
				if writes {
					writeInBackground(b, db)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var next atomic.Int64
				b.SetParallelism(4)
				b.ReportAllocs()
				b.ResetTimer()
				defer cpubench.Start(b)()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := int(next.Add(7919) % n)
						found, err := r.read(ctx, db, "card_"+strconv.Itoa(i))
						if err != nil || found != (i%10 != 0) {
							b.Fatalf("card_%d: found %v, %v", i, found, err)
						}
					}
				})
			})
		}
	}
}

// holdRecords stores a record of kind "hold" with the id of each of the
// fixture's n cards but every tenth, about the size of a held security code.
func holdRecords(b *testing.B, db *DB, n int) {
	b.Helper()
	ctx, now := b.Context(), time.Now()
	err := db.Tx(ctx, func(tx vault.Store) error {
		for i := range n {
			if i%10 == 0 {
				continue
			}
			id := "card_" + strconv.Itoa(i)
			if err := tx.CreateRecord(ctx, vault.Record{Tenant: "t", Kind: "hold", ID: id, Parent: id,
				Data: make([]byte, 90), Version: 1, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
