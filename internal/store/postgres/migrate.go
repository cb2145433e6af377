package postgres

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"

	"github.com/cardvault/cardvault/internal/store/migration"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles holds the schema changes, named NNNN_name.sql and applied
// in version order, each exactly once.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]migration.Migration, error) {
	return migration.Load(migrationFiles, "migrations", "postgres")
}

// migrationLock returns the advisory lock key that serialises migrations
// of one schema.
func migrationLock(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("cardvault/migrate/" + schema))
	return int64(h.Sum64())
}

// migrate applies the pending migrations in one transaction that first
// takes a transaction-scoped advisory lock, so that nodes starting at once
// migrate one after the other and the later ones find nothing left to do.
// When schema is set it is created first. It refuses a database that has
// migrations this binary does not know.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) (err error) {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock(schema)); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	if schema != "" {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize()); err != nil {
			return fmt.Errorf("postgres: migrate: create schema: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    bigint PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("postgres: migrate: create schema_migrations: %w", err)
	}
	var latest int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&latest); err != nil {
		return fmt.Errorf("postgres: migrate: read version: %w", err)
	}
	if n := len(ms); n > 0 && latest > ms[n-1].Version {
		return fmt.Errorf("postgres: migrate: database is at version %d, newer than this binary's %d", latest, ms[n-1].Version)
	}
	for _, m := range ms {
		if m.Version <= latest {
			continue
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("postgres: migrate %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
			m.Version, m.Name); err != nil {
			return fmt.Errorf("postgres: migrate %s: record: %w", m.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: commit: %w", err)
	}
	return nil
}
