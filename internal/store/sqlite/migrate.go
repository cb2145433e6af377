package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/cardvault/cardvault/internal/store/migration"
)

// migrationFiles holds the schema changes, named NNNN_name.sql and applied
// in version order, each exactly once.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]migration.Migration, error) {
	return migration.Load(migrationFiles, "migrations", "sqlite")
}

// migrate applies the pending migrations in one IMMEDIATE transaction, so a
// second process migrating the same file at once waits (busy timeout) and
// then finds nothing left to do. It refuses a database that has migrations
// this binary does not know.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	return apply(ctx, db, ms)
}

// apply brings db up to the last of ms, which are in version order.
func apply(ctx context.Context, db *sql.DB, ms []migration.Migration) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("sqlite: migrate: create schema_migrations: %w", err)
	}
	var latest int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&latest); err != nil {
		return fmt.Errorf("sqlite: migrate: read version: %w", err)
	}
	if n := len(ms); n > 0 && latest > ms[n-1].Version {
		return fmt.Errorf("sqlite: migrate: database is at version %d, newer than this binary's %d", latest, ms[n-1].Version)
	}
	for _, m := range ms {
		if m.Version <= latest {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlite: migrate %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("sqlite: migrate %s: record: %w", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	return nil
}
