package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// uniqueViolation is PostgreSQL's SQLSTATE for a duplicate key.
const uniqueViolation = "23505"

// opErr names the failed operation and turns "no rows", uniqueness failures
// and lost connections into vault.ErrNotFound, vault.ErrConflict and
// vault.ErrUnavailable, dropping the driver error where its detail could
// name a stored value.
func opErr(op string, err error) error {
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return notFound(op)
	case isUnique(err):
		return conflict(op)
	case isUnavailable(err):
		return fmt.Errorf("postgres: %s: %w (%w)", op, vault.ErrUnavailable, err)
	case isLostStatement(err):
		return fmt.Errorf("postgres: %s: %w (a connection pooler in transaction mode? "+
			"remove default_query_exec_mode from the database URL, or set it to exec)", op, err)
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

// isLostStatement reports whether err is pgx's statement cache meeting a
// server connection that is not the one it prepared on: what a pooler in
// transaction mode does to named prepared statements.
func isLostStatement(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "26000" || pe.Code == "42P05") && strings.Contains(pe.Message, "stmtcache_")
}

// unavailableStates are the SQLSTATEs that say the server cannot serve this
// session just now, whatever the statement was: a restart, a failover, a
// standby that cannot write, a full connection table.
var unavailableStates = map[string]bool{
	"25006": true, // read_only_sql_transaction: connected to a standby (after a failover)
	"53300": true, // too_many_connections
	"57P01": true, // admin_shutdown: the server is stopping or the backend was terminated
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now: starting up, shutting down, in recovery
	"57P05": true, // idle_session_timeout
}

// isUnavailable reports whether err means that the database could not be
// reached or lost the connection, rather than that the statement was wrong:
// SQLSTATE class 08 and the states above, connection and network errors,
// a closed pool, and a deadline that ran out while connecting or waiting for
// the server. Such a statement did not take effect, or (for a commit) its
// outcome is unknown; either way the caller was not told it succeeded.
func isUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || unavailableStates[pe.Code]
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		pgconn.Timeout(err), pgconn.SafeToRetry(err),
		errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, context.DeadlineExceeded):
		return true
	}
	// pgx reports a connection that died under a statement as "conn closed"
	// or "unexpected EOF", and the pool (once closed on shutdown) as "closed
	// pool", without always wrapping a typed error.
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "closed pool") ||
		strings.Contains(msg, "unexpected EOF")
}
