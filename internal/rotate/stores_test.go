package rotate_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cardvault/cardvault/internal/store/postgres"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
)

// eachStore runs fn against a fresh SQLite store and, when
// CARDVAULT_TEST_DATABASE_URL is set, a fresh PostgreSQL schema.
func eachStore(t *testing.T, fn func(t *testing.T, open func(t *testing.T) vault.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, func(t *testing.T) vault.Store {
			st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "cardvault.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		})
	})
	t.Run("postgres", func(t *testing.T) {
		url := os.Getenv("CARDVAULT_TEST_DATABASE_URL")
		if url == "" {
			if os.Getenv("CARDVAULT_TEST_REQUIRE_POSTGRES") == "1" {
				t.Fatal("PostgreSQL is required but CARDVAULT_TEST_DATABASE_URL is not set")
			}
			t.Skip("CARDVAULT_TEST_DATABASE_URL is not set")
		}
		fn(t, func(t *testing.T) vault.Store {
			b := make([]byte, 8)
			rand.Read(b)
			schema := "rot_" + hex.EncodeToString(b)
			st, err := postgres.OpenSchema(t.Context(), url, schema)
			if err != nil {
				t.Fatalf("PostgreSQL at CARDVAULT_TEST_DATABASE_URL: %v", err)
			}
			t.Cleanup(func() {
				st.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if conn, err := pgx.Connect(ctx, url); err == nil {
					conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
					conn.Close(ctx)
				}
			})
			return st
		})
	})
}
