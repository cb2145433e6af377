package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxStatements bounds how many distinct queries a pool keeps prepared. The
// store's queries are a fixed set of constants (a few dozen); a query beyond
// the bound still runs, prepared for that call alone.
const maxStatements = 256

// stmtCache is a querier over one pool that runs every query as a statement
// prepared once per connection and reused: database/sql keeps a *sql.Stmt's
// handle on each connection it has run on, and modernc.org/sqlite resets
// (not finalizes) a handle between uses, so the SQL is parsed once per
// connection instead of once per call. Preparing is what profiles showed as
// prepareV2, 17–22 % of all CPU, before the cache.
type stmtCache struct {
	db *sql.DB
	// uncancelledRows: QueryRowContext ignores the cancellation of a
	// context that has not ended yet (see QueryRowContext).
	uncancelledRows bool

	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

// newStmtCache returns an empty cache over db.
func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: make(map[string]*sql.Stmt)}
}

// lookup returns the statement of query if it was prepared, or nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stmts[query]
}

// stmt returns the statement of query, preparing it on first use; nil when
// the cache is full or preparing failed (the caller then runs the query
// unprepared, which reports the same error). Preparing takes a connection of
// the pool, so it must not be called while holding the pool's only one; the
// lock is not held while preparing, since a caller holding a connection
// (a group commit, a reader iterating rows) may be waiting for the lock.
func (c *stmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	if s := c.lookup(query); s != nil {
		return s
	}
	if c.full() {
		return nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.stmts[query]; prev != nil { // prepared meanwhile by another caller
		s.Close()
		return prev
	}
	if len(c.stmts) >= maxStatements {
		s.Close()
		return nil
	}
	c.stmts[query] = s
	return s
}

// full reports whether the cache holds maxStatements statements.
func (c *stmtCache) full() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.stmts) >= maxStatements
}

// warm prepares queries that ran unprepared inside a transaction, once the
// transaction has let go of the connection.
func (c *stmtCache) warm(queries []string) {
	ctx, cancel := context.WithTimeout(context.Background(), busyTimeout)
	defer cancel()
	for _, q := range queries {
		c.stmt(ctx, q)
	}
}

// close closes every cached statement.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.Close())
		delete(c.stmts, q)
	}
	return errors.Join(errs...)
}

func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := c.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, query, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := c.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query for one row. On a pool with uncancelledRows
// (the readers) a context that has not ended is run without its
// cancellation: every single-row read of the store is a lookup by a unique
// key that takes microseconds, and a cancellable context costs two
// goroutines per query (database/sql's and the driver's watchers, 2-3 % of
// a reveal's CPU); a context that has already ended fails at once as before.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if c.uncancelledRows && ctx.Err() == nil {
		ctx = context.WithoutCancel(ctx)
	}
	if s := c.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// txStmts is a querier inside a transaction on the pool of cache: a query
// already prepared on the pool reuses the connection's handle
// (sql.Tx.StmtContext finds it); any other runs unprepared and is noted in
// missed, to be prepared once the transaction is over. Preparing on the
// pool here would wait for the connection the transaction holds.
// A group runs the same few queries once per member (SAVEPOINT, the insert,
// RELEASE), so the transaction's statement of each query is made once per
// transaction and kept in inTx: sql.Tx.StmtContext allocates and registers
// a new one on every call.
type txStmts struct {
	tx     *sql.Tx
	cache  *stmtCache
	missed *[]string
	inTx   map[string]*sql.Stmt // the transaction's statements, by query
}

// stmt returns the transaction's statement of query, or nil.
func (q txStmts) stmt(ctx context.Context, query string) *sql.Stmt {
	if s := q.inTx[query]; s != nil {
		return s
	}
	s := q.cache.lookup(query)
	if s == nil {
		if len(*q.missed) < maxStatements {
			*q.missed = append(*q.missed, query)
		}
		return nil
	}
	ts := q.tx.StmtContext(ctx, s)
	q.inTx[query] = ts
	return ts
}

func (q txStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := q.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

func (q txStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := q.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

func (q txStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := q.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}

// statementsPrepared reports how many distinct queries the pool has
// prepared, for tests.
func (c *stmtCache) statementsPrepared() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.stmts)
}
