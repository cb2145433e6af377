package postgres

import (
	"errors"
	"fmt"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// uniqueViolation is PostgreSQL's SQLSTATE for a duplicate key.
const uniqueViolation = "23505"

// opErr names the failed operation and turns "no rows" and uniqueness
// failures into vault.ErrNotFound and vault.ErrConflict, dropping the driver
// error (whose detail would name the duplicate value).
func opErr(op string, err error) error {
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return notFound(op)
	case isUnique(err):
		return conflict(op)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// notFound reports that op matched no live row.
func notFound(op string) error {
	return fmt.Errorf("postgres: %s: %w", op, vault.ErrNotFound)
}

// conflict reports that op hit a unique key or a stale version.
func conflict(op string) error {
	return fmt.Errorf("postgres: %s: %w", op, vault.ErrConflict)
}

// isUnique reports whether err is a unique or primary key violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == uniqueViolation
}
