package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cardvault/cardvault/internal/vault"
)

// fileMode is the mode of the database file and of SQLite's -wal and -shm
// files (SQLite gives those the database file's mode).
const fileMode = 0o600

// prepareFiles creates the database file with mode 0600 when it is missing,
// so that its mode does not depend on the directory or the umask, and
// narrows an existing file and its -wal and -shm companions to 0600.
func prepareFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("sqlite: open: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqlite: open: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, fileMode); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("sqlite: open: restrict %s: %w", p, err)
		}
	}
	return nil
}

// ReadMeta returns a vault-wide value of the database at path without
// creating, migrating or writing anything: ErrNotFound when the file, the
// table or the key does not exist. It lets the caller check the master key
// against an existing store before Open changes it.
func ReadMeta(ctx context.Context, path, key string) ([]byte, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("sqlite: read meta: no database: %w", vault.ErrNotFound)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, fmt.Errorf("sqlite: read meta: %w", err)
	}
	defer db.Close()
	var value []byte
	err = db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&value)
	switch {
	case errors.Is(err, sql.ErrNoRows), err != nil && strings.Contains(err.Error(), "no such table"):
		return nil, fmt.Errorf("sqlite: read meta: %w", vault.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("sqlite: read meta: %w", err)
	}
	return value, nil
}
