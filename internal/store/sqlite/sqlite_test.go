package sqlite

import (
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/store/storetest"
	"github.com/cardvault/cardvault/internal/vault"

	"modernc.org/sqlite"
)

// openTest opens a store on a new file in a temporary directory.
func openTest(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(tb.Context(), path)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vault.Store {
		return openTest(t, filepath.Join(t.TempDir(), "vault.db"))
	})
}

// migrationsApplied returns the number of rows in schema_migrations.
func migrationsApplied(tb testing.TB, db *DB) int {
	tb.Helper()
	var n int
	if err := db.reader.QueryRowContext(tb.Context(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		tb.Fatalf("count migrations: %v", err)
	}
	return n
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vault.db")
	const n = 4
	dbs := make([]*DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = Open(t.Context(), path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	for i, db := range dbs {
		if got := migrationsApplied(t, db); got != len(ms) {
			t.Errorf("db %d sees %d migrations applied, want %d", i, got, len(ms))
		}
	}
	// Every handle writes and sees the others' writes.
	now := time.Now()
	for i, db := range dbs {
		c := vault.Card{Tenant: "a", ID: string(rune('a' + i)), CreatedAt: now, UpdatedAt: now}
		if err := db.CreateCard(t.Context(), c); err != nil {
			t.Fatalf("CreateCard through db %d: %v", i, err)
		}
	}
	cards, err := dbs[0].ListCards(t.Context(), "a", vault.Page{}, now)
	if err != nil || len(cards) != n {
		t.Errorf("ListCards = %d cards, %v; want %d", len(cards), err, n)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.db")
	now := time.Now()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	c := vault.Card{Tenant: "a", ID: "card_1", SealedPAN: []byte("sealed"), CreatedAt: now, UpdatedAt: now}
	if err := db.CreateCard(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openTest(t, path)
	got, err := db.GetCard(t.Context(), "a", "card_1", now)
	if err != nil {
		t.Fatalf("GetCard after reopen: %v", err)
	}
	if string(got.SealedPAN) != "sealed" || !got.CreatedAt.Equal(now.Truncate(time.Microsecond)) {
		t.Errorf("after reopen: %q at %v, want %q at %v", got.SealedPAN, got.CreatedAt, "sealed", now)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if n := migrationsApplied(t, db); n != len(ms) {
		t.Errorf("schema_migrations has %d rows after reopen, want %d (each migration once)", n, len(ms))
	}
}

func TestPragmas(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "vault.db"))
	ctx := t.Context()
	for _, tc := range []struct{ name, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	} {
		var got string
		if err := db.writer.QueryRowContext(ctx, "PRAGMA "+tc.name).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("writer PRAGMA %s = %s, want %s", tc.name, got, tc.want)
		}
	}
	var q string
	if err := db.reader.QueryRowContext(ctx, "PRAGMA query_only").Scan(&q); err != nil || q != "1" {
		t.Errorf("reader PRAGMA query_only = %q, %v; want 1", q, err)
	}
	if _, err := db.reader.ExecContext(ctx, `DELETE FROM cards`); err == nil {
		t.Error("reader pool accepted a write")
	}
}

// On Linux, commits are synced with fdatasync once a store is open.
func TestOpenSyncsWithFdatasync(t *testing.T) {
	openTest(t, filepath.Join(t.TempDir(), "vault.db"))
	if runtime.GOOS == "linux" && !sqlite.FdatasyncEnabled() {
		t.Fatal("fdatasync is off after Open")
	}
}
