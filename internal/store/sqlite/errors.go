package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/cardvault/cardvault/internal/vault"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// opErr names the failed operation and turns the driver's "no rows" and
// uniqueness failures into vault.ErrNotFound and vault.ErrConflict, dropping
// the driver error so that callers never see it.
func opErr(op string, err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite: %s: %w", op, vault.ErrNotFound)
	case isUnique(err):
		return fmt.Errorf("sqlite: %s: %w", op, vault.ErrConflict)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// notFound reports that op matched no live row.
func notFound(op string) error {
	return fmt.Errorf("sqlite: %s: %w", op, vault.ErrNotFound)
}

// conflict reports that op hit a unique key or a stale version.
func conflict(op string) error {
	return fmt.Errorf("sqlite: %s: %w", op, vault.ErrConflict)
}

// isUnique reports whether err is a PRIMARY KEY or UNIQUE violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// isBusy reports whether err is SQLITE_BUSY, extended or not.
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
