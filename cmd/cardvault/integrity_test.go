package main

import (
	"context"
	"database/sql"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

// A key minted by inserting a row into the database is refused with 401,
// and the refusal is an audit event.
func TestMintedKeyIsRefusedAndAudited(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	env := envOf("CARDVAULT_DATA_DIR", dir, "CARDVAULT_BOOTSTRAP_API_KEY", testBootstrap)
	addr, done := runServe(t, ctx, env)
	db, err := sql.Open("sqlite", filepath.Join(dir, "cardvault.db")+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	chosen := "cvk_minted_by_an_attacker_with_sqlite3_0123456789"
	if _, err := db.Exec(`INSERT INTO api_keys (id, tenant, name, scopes, hash, created_at, integrity)
		SELECT 'key_minted', tenant, 'x', 'admin', ?, created_at, integrity FROM api_keys LIMIT 1`, seal.HashSecret(chosen)); err != nil {
		t.Fatal(err)
	}
	if status, body := call(t, "POST", "http://"+addr+"/cardvault/v1/cards", chosen, `{"number":"4111111111111111"}`); status != 401 {
		t.Fatalf("minted key: %d %s", status, body)
	}
	if status, _ := call(t, "POST", "http://"+addr+"/cardvault/v1/cards", testBootstrap, `{"number":"4111111111111111"}`); status != 201 {
		t.Fatalf("the genuine key stopped working: %d", status)
	}
	cancel()
	<-done
	var out strings.Builder
	if err := run(context.Background(), []string{"audit", "list"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"action":"key.integrity_failed","targets":["key_minted"]`) {
		t.Fatalf("no audit event for the minted key:\n%s", out.String())
	}
}
