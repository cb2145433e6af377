package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/jackc/pgx/v5/pgxpool"
)

// countingConn counts the writes of a connection. pgx writes everything it
// sends before waiting for an answer at once, so writes are round trips.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

// Write counts and writes.
func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// countedDB opens a store on a fresh schema whose one connection counts
// its round trips, and is never pinged by the pool.
func countedDB(t *testing.T) (*DB, *atomic.Int64) {
	t.Helper()
	migrated := openTest(t)
	cfg, err := pgxpool.ParseConfig(testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	configure(cfg, migrated.schema)
	cfg.MaxConns = 1
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	writes := new(atomic.Int64)
	var d net.Dialer
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, writes: writes}, nil
	}
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &DB{store: store{pool: pool, q: pool}, pool: pool, schema: migrated.schema}, writes
}

// roundTrips runs fn twice, the first time to let the connection prepare
// its statements, and returns the round trips of the second run.
func roundTrips(t *testing.T, writes *atomic.Int64, fn func(run int) error) int64 {
	t.Helper()
	if err := fn(0); err != nil {
		t.Fatal(err)
	}
	before := writes.Load()
	if err := fn(1); err != nil {
		t.Fatal(err)
	}
	return writes.Load() - before
}

// A transaction that writes one row (a tokenize) costs two round trips:
// BEGIN goes out with the INSERT, then the COMMIT. One that runs no
// statement costs none.
func TestTxRoundTrips(t *testing.T) {
	db, writes := countedDB(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	ids := []string{"first", "second"}
	got := roundTrips(t, writes, func(run int) error {
		return db.Tx(ctx, func(s vault.Store) error {
			return s.CreateCard(ctx, vault.Card{Tenant: "a", ID: ids[run], CreatedAt: now, UpdatedAt: now})
		})
	})
	if got != 2 {
		t.Errorf("a transaction of one INSERT made %d round trips, want 2 (BEGIN with the INSERT, COMMIT)", got)
	}
	for _, id := range ids {
		if _, err := db.GetCard(ctx, "a", id, now); err != nil {
			t.Errorf("card %s was not committed: %v", id, err)
		}
	}
	got = roundTrips(t, writes, func(int) error {
		return db.Tx(ctx, func(vault.Store) error { return nil })
	})
	if got != 0 {
		t.Errorf("an empty transaction made %d round trips, want 0", got)
	}
	// A guarded write (an update that sets a unique key) sends its
	// SAVEPOINT with the statement and its RELEASE not at all (COMMIT
	// releases it): BEGIN+SAVEPOINT+UPDATE, then COMMIT.
	for _, id := range ids {
		if err := db.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "k", ID: id, Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	got = roundTrips(t, writes, func(run int) error {
		return db.Tx(ctx, func(s vault.Store) error {
			_, err := s.UpdateRecord(ctx, vault.Record{Tenant: "a", Kind: "k", ID: ids[run], Key: "key-" + ids[run], Version: 1}, now)
			return err
		})
	})
	if got != 2 {
		t.Errorf("a transaction of one guarded UPDATE made %d round trips, want 2", got)
	}
}

// A guarded write that fails as the transaction's first statement (its
// SAVEPOINT sent with BEGIN) leaves the transaction usable, and what
// follows commits; a failing transaction leaves nothing behind.
func TestTxFirstStatementGuarded(t *testing.T) {
	db := openTest(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	for _, r := range []vault.Record{
		{Tenant: "a", Kind: "k", ID: "holder", Key: "taken", Version: 1, CreatedAt: now, UpdatedAt: now},
		{Tenant: "a", Kind: "k", ID: "mine", Version: 1, CreatedAt: now, UpdatedAt: now},
	} {
		if err := db.CreateRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	err := db.Tx(ctx, func(s vault.Store) error {
		_, err := s.UpdateRecord(ctx, vault.Record{Tenant: "a", Kind: "k", ID: "mine", Key: "taken", Version: 1}, now)
		if !errors.Is(err, vault.ErrConflict) {
			return errors.Join(errors.New("UpdateRecord to a taken key did not conflict"), err)
		}
		// Twice in a row: the first savepoint's RELEASE goes out with the second.
		_, err = s.UpdateRecord(ctx, vault.Record{Tenant: "a", Kind: "k", ID: "mine", Key: "taken", Version: 1}, now)
		if !errors.Is(err, vault.ErrConflict) {
			return errors.Join(errors.New("second UpdateRecord to a taken key did not conflict"), err)
		}
		if _, err := s.UpdateRecord(ctx, vault.Record{Tenant: "a", Kind: "k", ID: "mine", Key: "free", Version: 1}, now); err != nil {
			return err
		}
		return s.CreateCard(ctx, vault.Card{Tenant: "a", ID: "after", CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		t.Fatalf("Tx: %v", err)
	}
	if r, err := db.RecordByKey(ctx, "a", "k", "free", now); err != nil || r.ID != "mine" {
		t.Errorf("RecordByKey(free) = %v, %v; want the record updated in the transaction", r.ID, err)
	}
	if _, err := db.GetCard(ctx, "a", "after", now); err != nil {
		t.Errorf("the card written after the conflict was not committed: %v", err)
	}

	boom := errors.New("boom")
	err = db.Tx(ctx, func(s vault.Store) error {
		if _, err := s.UpdateRecord(ctx, vault.Record{Tenant: "a", Kind: "k", ID: "holder", Key: "other", Version: 1}, now); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failing Tx = %v, want its error", err)
	}
	if r, err := db.GetRecord(ctx, "k", "holder", now); err != nil || r.Key != "taken" || r.Version != 1 {
		t.Errorf("after a failed transaction the record is %+v, %v; want it unchanged", r, err)
	}
}

// A read that returns several rows as a transaction's first statement (its
// rows read from a pipelined batch) sees them all, and the transaction
// commits after it.
func TestTxFirstStatementQuery(t *testing.T) {
	db := openTest(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	for _, id := range []string{"c1", "c2", "c3"} {
		if err := db.CreateCard(ctx, vault.Card{Tenant: "a", ID: id, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	err := db.Tx(ctx, func(s vault.Store) error {
		cards, err := s.ListCards(ctx, "a", vault.Page{Limit: 10}, now)
		if err != nil {
			return err
		}
		if len(cards) != 3 {
			t.Errorf("ListCards in a transaction: %d cards, want 3", len(cards))
		}
		return s.DeleteCard(ctx, "a", "c1")
	})
	if err != nil {
		t.Fatalf("Tx: %v", err)
	}
	if _, err := db.GetCard(ctx, "a", "c1", now); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("card deleted in the transaction: GetCard = %v, want not found", err)
	}
}

// records returns n records of tenant a, kind k, with ids prefix-0… and no key.
func records(prefix string, n int, now time.Time) []vault.Record {
	rs := make([]vault.Record, n)
	for i := range rs {
		rs[i] = vault.Record{Tenant: "a", Kind: "k", ID: fmt.Sprintf("%s-%03d", prefix, i), Data: []byte("x"),
			Version: 1, CreatedAt: now, UpdatedAt: now}
	}
	return rs
}

// CreateRecords writes a whole batch in one round trip: a transaction of
// 64 records costs two (BEGIN, SAVEPOINT and the INSERTs; COMMIT).
func TestCreateRecordsRoundTrips(t *testing.T) {
	db, writes := countedDB(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	got := roundTrips(t, writes, func(run int) error {
		return db.Tx(ctx, func(s vault.Store) error {
			return s.(*store).CreateRecords(ctx, records(fmt.Sprint("run", run), 64, now))
		})
	})
	if got != 2 {
		t.Errorf("a transaction of 64 records made %d round trips, want 2", got)
	}
	list, err := db.ListRecords(ctx, vault.RecordQuery{Tenant: "a", Kind: "k", Page: vault.Page{Limit: 500}}, now)
	if err != nil || len(list) != 128 {
		t.Errorf("ListRecords = %d records, %v; want 128", len(list), err)
	}
}

// CreateRecords answers as CreateRecord one after the other would: a taken
// key is ErrConflict with the records before it written (in a transaction)
// and none after; outside a transaction nothing is written; a key held by
// an expired record is taken over.
func TestCreateRecordsConflict(t *testing.T) {
	db := openTest(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	if err := db.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "k", ID: "holder", Key: "taken", Version: 1,
		CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	batch := records("b", 3, now)
	batch[1].Key = "taken"
	err := db.CreateRecords(ctx, batch)
	if !errors.Is(err, vault.ErrConflict) {
		t.Fatalf("CreateRecords with a taken key = %v, want ErrConflict", err)
	}
	for _, r := range batch {
		if _, err := db.GetRecord(ctx, "k", r.ID, now); !errors.Is(err, vault.ErrNotFound) {
			t.Errorf("outside a transaction a failed batch wrote %s: %v", r.ID, err)
		}
	}
	err = db.Tx(ctx, func(s vault.Store) error {
		if err := s.(*store).CreateRecords(ctx, batch); !errors.Is(err, vault.ErrConflict) {
			return fmt.Errorf("CreateRecords in a transaction with a taken key = %v, want ErrConflict", err)
		}
		return nil // commit what was written
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetRecord(ctx, "k", batch[0].ID, now); err != nil {
		t.Errorf("the record before the taken one was not written: %v", err)
	}
	for _, r := range batch[1:] {
		if _, err := db.GetRecord(ctx, "k", r.ID, now); !errors.Is(err, vault.ErrNotFound) {
			t.Errorf("record %s at or after the taken one was written: %v", r.ID, err)
		}
	}

	// An expired holder of a key gives it up.
	if err := db.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "k", ID: "old", Key: "reused", Version: 1,
		CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	batch = records("c", 2, now)
	batch[0].Key = "reused"
	if err := db.CreateRecords(ctx, batch); err != nil {
		t.Fatalf("CreateRecords over an expired holder: %v", err)
	}
	if r, err := db.RecordByKey(ctx, "a", "k", "reused", now); err != nil || r.ID != batch[0].ID {
		t.Errorf("RecordByKey(reused) = %q, %v; want %s", r.ID, err, batch[0].ID)
	}
}

// A write held inside a savepoint whose fn sent nothing is kept when fn
// succeeds and dropped when it fails; only the SAVEPOINT itself is
// dropped. (Before, a successful fn's held write was truncated away with
// the SAVEPOINT, and Tx returned nil with the row not written.)
func TestSavepointKeepsWhatItsFnHeld(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	if _, err := db.pool.Exec(ctx, `CREATE TABLE sp_probe (id text PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for _, fail := range []bool{false, true} {
		id := map[bool]string{false: "kept", true: "dropped"}[fail]
		tx := newTxConn(db.pool)
		err := tx.savepoint(ctx, func(querier) error {
			tx.hold("probe", `INSERT INTO sp_probe (id) VALUES ($1)`, []any{id})
			if fail {
				return errBoom
			}
			return nil
		})
		if fail != errors.Is(err, errBoom) {
			t.Fatalf("savepoint(fail=%v) = %v", fail, err)
		}
		if err := tx.commit(ctx); err != nil {
			t.Fatalf("commit: %v", err)
		}
		tx.release()
		var n int
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM sp_probe WHERE id = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{false: 1, true: 0}[fail]; n != want {
			t.Errorf("fn failed=%v: %d rows of its held write, want %d", fail, n, want)
		}
	}
}
