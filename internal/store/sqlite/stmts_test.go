package sqlite

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/vault"
)

// Each distinct query is prepared once per pool and reused: repeating calls,
// inside group-committed transactions or not, prepares nothing new, and a
// query run unprepared in a transaction is prepared for the next one.
func TestStatementsArePreparedOnceAndReused(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, filepath.Join(t.TempDir(), "s.db"))
	now := time.Now()
	round := func(i int) {
		t.Helper()
		r := vault.Record{Tenant: "t", Kind: "k", ID: fmt.Sprintf("r%03d", i), Data: []byte("x"),
			CreatedAt: now, UpdatedAt: now}
		if err := db.CreateRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetRecord(ctx, "k", r.ID, now); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ListRecords(ctx, vault.RecordQuery{Tenant: "t", Kind: "k"}, now); err != nil {
			t.Fatal(err)
		}
		err := db.Tx(ctx, func(tx vault.Store) error {
			if err := tx.InsertMeta(ctx, "m"+r.ID, []byte("v")); err != nil {
				return err
			}
			_, err := tx.GetRecord(ctx, "k", r.ID, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The committer prepares a transaction's new queries after releasing
	// its callers, so the second round is the first that finds them all.
	round(0)
	round(1)
	reads, writes, misses := db.rstmts.statementsPrepared(), db.wstmts.statementsPrepared(), db.group.unprepared.Load()
	if reads == 0 || writes == 0 || misses == 0 {
		t.Fatalf("after two rounds: %d read, %d write statements, %d unprepared in a transaction; want all > 0", reads, writes, misses)
	}
	for i := 2; i < 50; i++ {
		round(i)
	}
	if got := db.rstmts.statementsPrepared(); got != reads {
		t.Errorf("read statements: %d after 50 rounds, %d after two", got, reads)
	}
	if got := db.wstmts.statementsPrepared(); got != writes {
		t.Errorf("write statements: %d after 50 rounds, %d after two", got, writes)
	}
	if got := db.group.unprepared.Load(); got != misses {
		t.Errorf("statements run unprepared in transactions: %d after 50 rounds, %d after two", got, misses)
	}
}

// A query beyond the cache's bound still runs, unprepared.
func TestStatementCacheBeyondItsBound(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, filepath.Join(t.TempDir(), "s.db"))
	for i := range maxStatements + 10 {
		var n int
		if err := db.rstmts.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&n); err != nil || n != i {
			t.Fatalf("SELECT %d: %d, %v", i, n, err)
		}
	}
	if got := db.rstmts.statementsPrepared(); got != maxStatements {
		t.Errorf("prepared %d statements, want the bound %d", got, maxStatements)
	}
}

// BenchmarkGetRecord compares a point read through the prepared-statement
// cache with the same query prepared on every call (the store before the
// cache), side by side.
func BenchmarkGetRecord(b *testing.B) {
	ctx := b.Context()
	db := openTest(b, filepath.Join(b.TempDir(), "b.db"))
	now := time.Now()
	for i := range 100 {
		r := vault.Record{Tenant: "t", Kind: "k", ID: fmt.Sprintf("r%03d", i), Data: make([]byte, 200),
			CreatedAt: now, UpdatedAt: now}
		if err := db.CreateRecord(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name string
		s    *store
	}{
		{"prepared", &db.store},
		{"unprepared", &store{w: db.writer, r: db.reader}},
	} {
		b.Run(c.name, func(b *testing.B) {
			defer cpubench.Start(b)()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					if _, err := c.s.GetRecord(ctx, "k", fmt.Sprintf("r%03d", i%100), now); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// A first use of a write query outside a transaction, while a group commit
// holds the writer connection and looks statements up, completes: the
// cache's lock is not held while a statement is prepared.
func TestPreparingDoesNotBlockARunningGroup(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, filepath.Join(t.TempDir(), "s.db"))
	if err := db.InsertMeta(ctx, "warm", []byte("v")); err != nil { // the insert query is known
		t.Fatal(err)
	}
	inTx, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Tx(ctx, func(tx vault.Store) error {
			close(inTx)
			<-release
			return tx.InsertMeta(ctx, "in-tx", []byte("v")) // looks its statement up
		})
	}()
	<-inTx
	outside := make(chan error, 1)
	go func() { // a query never prepared on the writer: waits for the connection
		_, err := db.UpdateRecord(ctx, vault.Record{Tenant: "t", Kind: "k", ID: "none", Version: 1}, time.Now())
		outside <- err
	}()
	time.Sleep(50 * time.Millisecond) // let it reach PrepareContext; a missed race only weakens the test
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-outside; !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("update of a missing record: %v", err)
	}
}
