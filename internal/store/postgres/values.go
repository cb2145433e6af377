package postgres

import (
	"time"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Page sizes: Limit <= 0 means defaultLimit; no page is longer than maxLimit.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// pageLimit returns the number of rows a page of p may hold.
func pageLimit(p vault.Page) int {
	switch {
	case p.Limit <= 0:
		return defaultLimit
	case p.Limit > maxLimit:
		return maxLimit
	}
	return p.Limit
}

// ts truncates t to the microsecond, timestamptz's precision.
func ts(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

// nullTS encodes t like ts, and the zero time as NULL.
func nullTS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ts(t)
}

// fromTS returns t in UTC.
func fromTS(t time.Time) time.Time { return t.UTC() }

// fromNullTS decodes NULL as the zero time.
func fromNullTS(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nullString encodes the empty string as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// blob encodes an empty slice as NULL.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// unblob decodes NULL and empty values as nil.
func unblob(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// scanner is what pgx.Row and pgx.CollectableRow have in common.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row of a query with scan.
func collect[T any](rows pgx.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
}

// affected returns ErrNotFound from op unless tag counts a row.
func affected(op string, tag pgconn.CommandTag) error {
	if tag.RowsAffected() == 0 {
		return notFound(op)
	}
	return nil
}
