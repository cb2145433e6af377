package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/seal"
)

// openIn opens the vault of a data directory the way serve does, logging
// into the returned buffer.
func openIn(t *testing.T, dir string, kv ...string) (*bytes.Buffer, error) {
	t.Helper()
	c, err := config.Load("serve", nil, envOf(append([]string{"CARDVAULT_DATA_DIR", dir}, kv...)...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	_, store, err := openVault(context.Background(), c, newLogger(logs, "info"), nil)
	if err == nil {
		store.Close()
	}
	return logs, err
}

// Database files are 0600 whatever the directory's mode and the umask, an
// existing looser file is narrowed, and an open directory is reported.
func TestDatabaseFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	logs, err := openIn(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "the data directory is open to other users") || !strings.Contains(logs.String(), "chmod 700") {
		t.Errorf("no warning about a 0755 data directory:\n%s", logs)
	}
	db := filepath.Join(dir, "cardvault.db")
	os.Chmod(db, 0o644)
	if _, err := openIn(t, dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{db, db + "-wal", db + "-shm", filepath.Join(dir, masterKeyFile)} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) && p != db {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	os.Chmod(dir, 0o700)
	if logs, _ := openIn(t, dir); strings.Contains(logs.String(), "open to other users") {
		t.Errorf("warned about a 0700 directory:\n%s", logs)
	}
}

// Against an existing store, a missing or wrong master key is refused
// before anything is written: no new key file, no migration.
func TestNothingIsWrittenBeforeTheKeyCheck(t *testing.T) {
	dir := t.TempDir()
	if _, err := openIn(t, dir); err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, masterKeyFile)
	saved := filepath.Join(t.TempDir(), "saved.key")
	if err := os.Rename(keyPath, saved); err != nil {
		t.Fatal(err)
	}

	// Make the store look like one an older version left: migration 2 not applied.
	raw, err := sql.Open("sqlite", filepath.Join(dir, "cardvault.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM schema_migrations WHERE version = 2`,
		`ALTER TABLE api_keys DROP COLUMN integrity`, `ALTER TABLE cards DROP COLUMN integrity`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	migrations := func() int {
		raw, _ := sql.Open("sqlite", filepath.Join(dir, "cardvault.db")+"?_pragma=busy_timeout(10000)")
		defer raw.Close()
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	applied := migrations()
	_, err = openIn(t, dir)
	if err == nil || !strings.Contains(err.Error(), "CARDVAULT_MASTER_KEY_FILE") {
		t.Fatalf("no key file against an existing store: %v", err)
	}
	if _, err := os.Stat(keyPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a new key file was written before refusing: %v", err)
	}
	_, err = openIn(t, dir, "CARDVAULT_MASTER_KEY", base64Key(seal.GenerateKey()))
	if !errors.Is(err, seal.ErrWrongMasterKey) {
		t.Fatalf("wrong master key: %v", err)
	}
	if n := migrations(); n != applied {
		t.Fatalf("%d migrations applied after a refused start, want %d (nothing written)", n, applied)
	}
	if _, err := openIn(t, dir, "CARDVAULT_MASTER_KEY_FILE", saved); err != nil {
		t.Fatalf("the right key: %v", err)
	}
	if n := migrations(); n != applied {
		t.Fatalf("%d migrations after a good start, want %d (the newest is applied already)", n, applied)
	}
}
