package audit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/store/postgres"
	"github.com/cardvault/cardvault/internal/vault"

	"github.com/jackc/pgx/v5"
)

// openPostgres returns a store in a fresh schema of the database at
// CARDVAULT_TEST_DATABASE_URL, or skips the test when it is not set.
func openPostgres(t testing.TB) vault.Store {
	t.Helper()
	url := os.Getenv("CARDVAULT_TEST_DATABASE_URL")
	if url == "" {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("PostgreSQL is required but CARDVAULT_TEST_DATABASE_URL is not set")
		}
		t.Skip("CARDVAULT_TEST_DATABASE_URL is not set")
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "audit_" + hex.EncodeToString(b)
	st, err := postgres.OpenSchema(context.Background(), url, schema)
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
}
