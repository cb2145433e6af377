package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// defaultConnectTimeout bounds one connection attempt when the URL sets no
// connect_timeout, so that a dead host fails a request (503) and a readiness
// probe quickly instead of hanging until the client gives up.
const defaultConnectTimeout = 5 * time.Second

// configure applies the vault's connection settings to a parsed pool
// configuration. Everything the URL says wins, except synchronous_commit,
// which is always on: a write is acknowledged only once it is durable (and,
// with a synchronous standby, replicated).
func configure(cfg *pgxpool.Config, schema string) {
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	if schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
}

// explainOpen turns the errors an operator meets when pointing the vault at
// the wrong kind of server into messages that say what to change. Others
// pass through unchanged.
func explainOpen(err error) error {
	msg := err.Error()
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, pgconn.ErrReadOnlyConnection):
		return fmt.Errorf("postgres: no writable primary among the hosts of the database URL "+
			"(every host that answered is a standby or read-only); the vault needs the primary: %w", err)
	case errors.As(err, &pe) && pe.Code == "25006":
		return fmt.Errorf("postgres: the database is read-only (a standby?); point the database URL at the primary, "+
			"or list every host with target_session_attrs=read-write: %w", err)
	case strings.Contains(msg, "unsupported startup parameter"):
		return fmt.Errorf("postgres: the connection pooler rejects a start-up parameter the vault sends; for PgBouncer add "+
			"ignore_startup_parameters = synchronous_commit to pgbouncer.ini and keep synchronous_commit = on on the server: %w", err)
	case strings.Contains(msg, "statement pooling mode"):
		return fmt.Errorf("postgres: the connection pooler is in statement pooling mode, which forbids transactions; "+
			"the vault needs pool_mode=transaction (with default_query_exec_mode=exec in the database URL) "+
			"or pool_mode=session: %w", err)
	}
	return err
}

// behindPooler reports whether the pool's connections go through a
// connection pooler such as PgBouncer: a pooler hands the client its own
// backend key, so the process id the client was given at start-up is not
// that of the server process that runs its statements.
func behindPooler(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var pooled bool
	err := pool.AcquireFunc(ctx, func(c *pgxpool.Conn) error {
		var pid uint32
		// The simple protocol prepares nothing, which any pooler mode allows.
		if err := c.QueryRow(ctx, `SELECT pg_backend_pid()`, pgx.QueryExecModeSimpleProtocol).Scan(&pid); err != nil {
			return err
		}
		pooled = pid != c.Conn().PgConn().PID()
		return nil
	})
	return pooled, err
}

// setsExecMode reports whether the database URL chooses pgx's query
// execution mode itself, which then wins over detection.
func setsExecMode(url string) bool { return strings.Contains(url, "default_query_exec_mode") }

// checkDurable refuses a server whose sessions would acknowledge a commit
// before it is durable. The vault asks for synchronous_commit=on at
// connection start, but a pooler may be told to ignore that parameter, and
// then the server's own setting applies.
func checkDurable(ctx context.Context, pool *pgxpool.Pool) error {
	var sc string
	if err := pool.QueryRow(ctx, `SHOW synchronous_commit`, pgx.QueryExecModeSimpleProtocol).Scan(&sc); err != nil {
		return explainOpen(fmt.Errorf("postgres: open: %w", err))
	}
	if sc != "on" && sc != "remote_apply" {
		return fmt.Errorf("postgres: open: synchronous_commit is %q on this server; the vault acknowledges a write only "+
			"once it is durable: set synchronous_commit = on (in postgresql.conf, or ALTER ROLE … SET synchronous_commit = on)", sc)
	}
	return nil
}
