// Package tamper opens each real store together with a raw SQL handle on
// the same database, for tests that play an attacker with write access to
// it: rows are inserted, edited and deleted behind the vault's back, the
// way sqlite3 or psql would.
package tamper

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cardvault/cardvault/internal/store/postgres"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
)

// DB is a store and a raw handle on its database.
type DB struct {
	// Store is the vault's view of the database.
	Store vault.Store
	// Exec runs one SQL statement written with ? placeholders behind the
	// store's back and returns how many rows it changed; it fails the test
	// on error.
	Exec func(tb testing.TB, query string, args ...any) int64
}

// Backend opens a fresh database of one kind.
type Backend struct {
	Name string
	Open func(tb testing.TB) DB
}

// Backends returns SQLite, and PostgreSQL when CARDVAULT_TEST_DATABASE_URL
// is set (it fails rather than skips when CARDVAULT_TEST_REQUIRE_POSTGRES=1
// and the URL is missing).
func Backends(tb testing.TB) []Backend {
	tb.Helper()
	out := []Backend{{Name: "sqlite", Open: openSQLite}}
	url := os.Getenv("CARDVAULT_TEST_DATABASE_URL")
	switch {
	case url != "":
		out = append(out, Backend{Name: "postgres", Open: func(tb testing.TB) DB { return openPostgres(tb, url) }})
	case os.Getenv("CARDVAULT_TEST_REQUIRE_POSTGRES") == "1":
		tb.Fatal("PostgreSQL is required (CARDVAULT_TEST_REQUIRE_POSTGRES=1) but CARDVAULT_TEST_DATABASE_URL is not set")
	default:
		tb.Log("CARDVAULT_TEST_DATABASE_URL is not set: tampering is tried on SQLite only")
	}
	return out
}

// openSQLite opens a store on a fresh file and a second, ordinary
// connection to the same file.
func openSQLite(tb testing.TB) DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "cardvault.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	raw, err := sql.Open("sqlite", path+"?_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return DB{Store: s, Exec: func(tb testing.TB, query string, args ...any) int64 {
		tb.Helper()
		res, err := raw.ExecContext(context.Background(), query, args...)
		if err != nil {
			tb.Fatalf("sqlite3> %s: %v", query, err)
		}
		n, _ := res.RowsAffected()
		return n
	}}
}

// openPostgres opens a store in a fresh schema (dropped at the end) and a
// plain pgx connection whose search_path is that schema.
func openPostgres(tb testing.TB, url string) DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := make([]byte, 8)
	rand.Read(b)
	schema := "tamper_" + hex.EncodeToString(b)
	s, err := postgres.OpenSchema(ctx, url, schema)
	if err != nil {
		tb.Fatalf("PostgreSQL at CARDVAULT_TEST_DATABASE_URL: %v", err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		s.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		conn.Close(ctx)
	})
	if _, err := conn.Exec(ctx, `SET search_path TO `+pgx.Identifier{schema}.Sanitize()); err != nil {
		tb.Fatal(err)
	}
	return DB{Store: s, Exec: func(tb testing.TB, query string, args ...any) int64 {
		tb.Helper()
		tag, err := conn.Exec(context.Background(), dollars(query), args...)
		if err != nil {
			tb.Fatalf("psql> %s: %v", query, err)
		}
		return tag.RowsAffected()
	}}
}

// dollars rewrites ? placeholders as $1, $2, … for PostgreSQL.
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
