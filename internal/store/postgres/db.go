package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is a vault.Store on a PostgreSQL connection pool. It is safe for
// concurrent use, also by several processes on several machines.
type DB struct {
	store
	pool   *pgxpool.Pool
	schema string // "" for the connection's default search_path
	pooled bool   // connections go through a pooler such as PgBouncer
}

// BehindPooler reports whether the database URL leads to a connection
// pooler (such as PgBouncer) rather than to PostgreSQL itself; statements
// then run unprepared (pgx's exec mode) unless the URL chose a
// default_query_exec_mode.
func (db *DB) BehindPooler() bool { return db.pooled }

var (
	_ vault.Store        = (*DB)(nil)
	_ vault.CommitHolder = (*DB)(nil)
)

// querier is what *pgxpool.Pool and pgx.Tx have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// store implements vault.Store either over the pool or inside one
// transaction, where q is tx and pool is nil.
type store struct {
	pool *pgxpool.Pool // where transactions start; nil inside a transaction
	tx   *txConn       // the transaction; nil outside one
	q    querier
	hold bool // the AtCommit view: new rows wait for the next statement or the COMMIT
}

// AtCommit is vault.CommitHolder: inside a transaction, a view of it whose
// CreateCard and CreateRecord (without a Key) are held by the transaction's
// connection and sent with its next statement or its COMMIT, so that a
// transaction that only inserts (a tokenize: the card and its pending
// audit event) costs one round trip. Outside a transaction every write
// commits on its own and AtCommit returns s.
func (s *store) AtCommit() vault.Store {
	if s.tx == nil {
		return s
	}
	return &store{tx: s.tx, q: s.q, hold: true}
}

// Open connects to the database at url (a postgres:// URL or key=value
// string) and applies any pending migrations. Several nodes may open the
// same database at once; the migrations run exactly once.
func Open(ctx context.Context, url string) (*DB, error) {
	return open(ctx, url, "")
}

// OpenSchema is Open with every table in schema, which is created if
// missing: the connections' search_path is set to schema alone.
func OpenSchema(ctx context.Context, url, schema string) (*DB, error) {
	if schema == "" {
		return nil, errors.New("postgres: open: empty schema name")
	}
	return open(ctx, url, schema)
}

// open connects, pings and migrates; schema may be empty.
func open(ctx context.Context, url, schema string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	configure(cfg, schema)
	sizePool(cfg, url)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pooled, err := behindPooler(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, explainOpen(fmt.Errorf("postgres: open: connect: %w", err))
	}
	if pooled && !setsExecMode(url) {
		// Named prepared statements live on one server connection, which a
		// pooler in transaction mode does not keep for the client: run each
		// statement unprepared, in one round trip.
		pool.Close()
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
		if pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			return nil, fmt.Errorf("postgres: open: %w", err)
		}
	}
	if err := checkDurable(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	if err := migrate(ctx, pool, schema); err != nil {
		pool.Close()
		return nil, explainOpen(err)
	}
	return &DB{store: store{pool: pool, q: pool}, pool: pool, schema: schema, pooled: pooled}, nil
}

// Close closes every connection of the pool, waiting for those in use to
// be released. It always returns nil.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping reports whether the database answers a query and accepts writes:
// a standby (or a session forced read-only) is vault.ErrUnavailable, so
// that /readyz is 503 while no writable primary is reachable.
func (s *store) Ping(ctx context.Context) error {
	var readOnly string
	if err := s.q.QueryRow(ctx, "SELECT current_setting('transaction_read_only')").Scan(&readOnly); err != nil {
		return opErr("ping", err)
	}
	if readOnly == "on" {
		return fmt.Errorf("postgres: ping: %w: the database is read-only (a standby, or no writable primary among the hosts)", vault.ErrUnavailable)
	}
	return nil
}

// Tx runs fn in one transaction (READ COMMITTED). When fn returns an error
// or panics the transaction is rolled back and the error (or panic) passed
// on unchanged. A write that fails inside fn with ErrConflict leaves the
// transaction usable.
func (s *store) Tx(ctx context.Context, fn func(vault.Store) error) error {
	return s.inTx(ctx, func(ts *store) error { return fn(ts) })
}

// inTx runs fn in a transaction, reusing the current one if there is one.
// The connection is taken and the BEGIN sent with fn's first statement
// (txConn).
func (s *store) inTx(ctx context.Context, fn func(*store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	tx := newTxConn(s.pool)
	defer tx.release()
	done := false
	defer func() {
		if !done { // also on panic, which then carries on
			_ = tx.rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(&store{tx: tx, q: tx}); err != nil {
		return err
	}
	done = true
	if err := tx.commit(ctx); err != nil {
		if err == tx.failed { // a held write's error, named already
			return err
		}
		return opErr("commit", err)
	}
	return nil
}

// guarded runs fn in a savepoint when inside a transaction, so that a
// statement failing on a constraint does not abort the whole transaction.
func (s *store) guarded(ctx context.Context, fn func(q querier) error) error {
	if s.tx == nil {
		return fn(s.q)
	}
	return s.tx.savepoint(ctx, fn)
}
