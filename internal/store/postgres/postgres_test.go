package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/store/storetest"
	"github.com/cardvault/cardvault/internal/vault"

	"github.com/jackc/pgx/v5"
)

// testURL returns the PostgreSQL URL the tests run against. Without one the
// test is skipped, unless CARDVAULT_TEST_REQUIRE_POSTGRES=1 says it must run.
func testURL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("CARDVAULT_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_POSTGRES") == "1" {
			tb.Fatal("PostgreSQL is required (CARDVAULT_TEST_REQUIRE_POSTGRES=1) but CARDVAULT_TEST_DATABASE_URL is not set")
		}
		tb.Skip("CARDVAULT_TEST_DATABASE_URL is not set")
	}
	return url
}

// freshSchema returns the name of a schema no other test uses and drops it,
// with everything in it, when the test ends.
func freshSchema(tb testing.TB, url string) string {
	tb.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil { // the test has already failed to connect
			tb.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// openTest opens a store in a fresh schema; it fails the test (never skips)
// when the database is unreachable.
func openTest(tb testing.TB) *DB {
	tb.Helper()
	url := testURL(tb)
	schema := freshSchema(tb, url)
	ctx, cancel := context.WithTimeout(tb.Context(), 30*time.Second)
	defer cancel()
	db, err := OpenSchema(ctx, url, schema)
	if err != nil {
		tb.Fatalf("PostgreSQL at CARDVAULT_TEST_DATABASE_URL: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestContract(t *testing.T) {
	openTest(t) // fail once, up front, if the database is unreachable
	storetest.Run(t, func(t *testing.T) vault.Store { return openTest(t) })
}

func TestConcurrentMigrate(t *testing.T) {
	url := testURL(t)
	schema := freshSchema(t, url)
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	dbs := make([]*DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = OpenSchema(t.Context(), url, schema) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("OpenSchema %d: %v", i, errs[i])
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	var applied int
	if err := dbs[0].pool.QueryRow(t.Context(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", applied, len(ms))
	}
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

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	db, err := Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err == nil {
		db.Close()
		t.Fatal("Open of an unreachable database succeeded")
	}
}

func TestSynchronousCommit(t *testing.T) {
	db := openTest(t)
	var got string
	if err := db.pool.QueryRow(t.Context(), `SHOW synchronous_commit`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "on" {
		t.Errorf("synchronous_commit = %q, want on", got)
	}
}
