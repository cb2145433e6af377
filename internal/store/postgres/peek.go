package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cardvault/cardvault/internal/vault"
)

// undefinedTable is PostgreSQL's SQLSTATE for a missing relation.
const undefinedTable = "42P01"

// ReadMeta returns a vault-wide value of the database at url without
// creating, migrating or writing anything: ErrNotFound when the table or
// the key does not exist. It lets the caller check the master key against
// an existing store before Open migrates it.
func ReadMeta(ctx context.Context, url, key string) ([]byte, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: read meta: connect: %w", err)
	}
	defer conn.Close(ctx)
	var value []byte
	err = conn.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&value)
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows), errors.As(err, &pgErr) && pgErr.Code == undefinedTable:
		return nil, fmt.Errorf("postgres: read meta: %w", vault.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("postgres: read meta: %w", err)
	}
	return value, nil
}
