package sqlite

import (
	"database/sql"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
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

// micros encodes t as unix microseconds, truncating finer precision.
func micros(t time.Time) int64 { return t.UnixMicro() }

// nullMicros encodes t like micros, and the zero time as NULL.
func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

// fromMicros decodes unix microseconds as a UTC time.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// fromNullMicros decodes NULL as the zero time.
func fromNullMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

// nullString encodes the empty string as NULL.
func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// blob encodes an empty slice as NULL.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// unblob decodes NULL and empty blobs as nil.
func unblob(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
