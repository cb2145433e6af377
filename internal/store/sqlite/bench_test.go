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

// BenchmarkGroupCommitAlone runs the same transactions one at a time, as
// at low load: every group commit holds one.
func BenchmarkGroupCommitAlone(b *testing.B) {
	ctx := b.Context()
	db := openTest(b, filepath.Join(b.TempDir(), "g.db"))
	data := make([]byte, 400)
	now := time.Now()
	b.ReportAllocs()
	defer cpubench.Start(b)()
	i := 0
	for b.Loop() {
		i++
		id := strconv.Itoa(i)
		err := db.Tx(ctx, func(tx vault.Store) error {
			return tx.CreateRecord(ctx, vault.Record{Tenant: "t", Kind: "entry", ID: id, Data: data, Version: 1,
				CreatedAt: now, UpdatedAt: now})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// readFixture stores n cards, n records and one API key for the read
// benchmarks.
func readFixture(b *testing.B, n int) (*DB, []byte) {
	b.Helper()
	ctx := b.Context()
	db := openTest(b, filepath.Join(b.TempDir(), "r.db"))
	now := time.Now()
	blob400 := make([]byte, 400)
	err := db.Tx(ctx, func(tx vault.Store) error {
		for i := range n {
			id := "card_" + strconv.Itoa(i)
			if err := tx.CreateCard(ctx, vault.Card{Tenant: "t", ID: id, Fingerprint: "fp" + id, BIN: "411111",
				Last4: "1111", Scheme: "visa", ExpMonth: 12, ExpYear: 2030, Reference: "ref" + id,
				SealedPAN: blob400[:80], SealedHolder: blob400[:60], Integrity: blob400[:32],
				CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
			if err := tx.CreateRecord(ctx, vault.Record{Tenant: "t", Kind: "code", ID: "rec_" + strconv.Itoa(i),
				Parent: id, Data: blob400[:120], Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	hash := make([]byte, 32)
	hash[0] = 7
	if err := db.CreateAPIKey(ctx, vault.APIKey{ID: "key_1", Tenant: "t", Name: "k", Scopes: []vault.Scope{"cards:read"},
		Hash: hash, CreatedAt: now, Integrity: blob400[:32]}); err != nil {
		b.Fatal(err)
	}
	return db, hash
}

// writeInBackground commits a small transaction every millisecond until the
// benchmark ends, as a loaded vault does: each commit changes the log, so a
// reader's next transaction starts with its page cache dropped.
func writeInBackground(b *testing.B, db *DB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	b.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			now := time.Now()
			_ = db.Tx(ctx, func(tx vault.Store) error {
				return tx.CreateRecord(ctx, vault.Record{Tenant: "t", Kind: "entry", ID: "bg_" + strconv.Itoa(i),
					Data: make([]byte, 200), Version: 1, CreatedAt: now, UpdatedAt: now})
			})
		}
	}()
}

// benchRead runs read from GOMAXPROCS×4 goroutines over n fixtures.
func benchRead(b *testing.B, writes bool, read func(ctx context.Context, db *DB, hash []byte, i int) error) {
	const n = 1000
	db, hash := readFixture(b, n)
	if writes {
		writeInBackground(b, db)
	}
	ctx, cancel := context.WithCancel(context.Background()) // cancellable, like a request's
	defer cancel()
	var next atomic.Int64
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	defer cpubench.Start(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := read(ctx, db, hash, int(next.Add(7919)%n)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPointRead reads cards by id (as a reveal does), records by kind
// and id (as a forward's held security code is read) and an API key by its
// hash (authentication on a cache miss), with and without a writer
// committing every millisecond beside the readers.
func BenchmarkPointRead(b *testing.B) {
	reads := []struct {
		name string
		read func(ctx context.Context, db *DB, hash []byte, i int) error
	}{
		{"card", func(ctx context.Context, db *DB, _ []byte, i int) error {
			_, err := db.GetCard(ctx, "t", "card_"+strconv.Itoa(i), time.Now())
			return err
		}},
		{"record", func(ctx context.Context, db *DB, _ []byte, i int) error {
			_, err := db.GetRecord(ctx, "code", "rec_"+strconv.Itoa(i), time.Now())
			return err
		}},
		{"apikey", func(ctx context.Context, db *DB, hash []byte, _ int) error {
			_, err := db.APIKeyByHash(ctx, hash)
			return err
		}},
	}
	for _, r := range reads {
		for _, writes := range []bool{false, true} {
			b.Run(r.name+"/writes="+strconv.FormatBool(writes), func(b *testing.B) {
				benchRead(b, writes, r.read)
			})
		}
	}
}
