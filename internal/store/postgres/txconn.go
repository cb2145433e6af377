package postgres

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// txConn is the connection of one transaction. Statements that only steer
// the transaction (BEGIN, SAVEPOINT, RELEASE SAVEPOINT) are not sent on their
// own: they wait in pending and go out with the next statement, in one
// pipelined round trip (a pgx batch, one Sync at its end). A tokenize, one
// INSERT, thus costs two round trips (BEGIN and INSERT, then COMMIT)
// instead of three, and a transaction that runs no statement sends
// neither BEGIN nor COMMIT. Nothing is acknowledged earlier than before:
// the COMMIT still waits for its WAL flush.
//
// Writes whose result nobody waits for (held, below) wait in pending too:
// a card and its pending audit event go out with the COMMIT, so a
// tokenize's transaction is one round trip.
//
// The connection itself is taken from the pool only when the first
// statement goes out, so a transaction whose writes are all held keeps a
// connection for its one round trip, not while its caller seals and
// encodes what it writes.
type txConn struct {
	pool    *pgxpool.Pool
	conn    *pgxpool.Conn // nil until the first statement goes out
	pending []stmt        // statements to send before the next one
	begun   bool          // BEGIN has gone out
	// failed is the error of a held write: the transaction is aborted on
	// the server, every later statement and the commit return it.
	failed error
	// sends counts the batches sent, so that savepoint can tell whether
	// its fn sent anything (pending's length cannot: held writes grow it).
	sends int
}

// stmt is a statement waiting in pending. op names a held write (whose
// error is reported as that operation's); it is empty for BEGIN,
// SAVEPOINT and RELEASE.
type stmt struct {
	sql  string
	args []any
	op   string
	// checked: a held write whose count the server checks (held.go); its
	// check failing is ErrConflict.
	checked bool
}

// newTxConn starts a transaction on a connection of pool; the connection
// and its BEGIN wait for the first statement.
func newTxConn(pool *pgxpool.Pool) *txConn {
	return &txConn{pool: pool, pending: []stmt{{sql: "begin"}}}
}

// acquire takes the transaction's connection from the pool, once.
func (t *txConn) acquire(ctx context.Context) error {
	if t.conn != nil {
		return nil
	}
	conn, err := t.pool.Acquire(ctx)
	if err != nil {
		return opErr("begin", err)
	}
	t.conn = conn
	return nil
}

// hold queues a write to go out with the transaction's next statement or
// its COMMIT instead of on its own. Its SQL must raise an error when the
// row cannot be written (a plain INSERT: a taken key is a unique
// violation), never skip it silently, because nothing reads its row count:
// the error aborts the transaction on the server, which then ignores the
// rest of the batch (the COMMIT included) up to its Sync, and the next
// statement or the commit returns it (named op) after rolling back.
func (t *txConn) hold(op, sql string, args []any) {
	t.pending = append(t.pending, stmt{sql: sql, args: args, op: op})
}

// holdChecked is hold for a write whose SQL raises staleCheck when it
// matched other than the rows expected (held.go); that error is reported
// as op's ErrConflict.
func (t *txConn) holdChecked(op, sql string, args []any) {
	t.pending = append(t.pending, stmt{sql: sql, args: args, op: op, checked: true})
}

// holding reports whether a held write waits in pending.
func (t *txConn) holding() bool {
	for _, p := range t.pending {
		if p.op != "" {
			return true
		}
	}
	return false
}

// send sends the pending statements and sql in one batch; the caller
// reads sql's result from the returned batch and closes it.
func (t *txConn) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	return t.sendBatch(ctx, func(b *pgx.Batch) { b.Queue(sql, args...) })
}

// sendBatch sends the pending statements and those queue adds in one
// batch, one round trip; the caller reads the results of queue's
// statements and closes the batch. The pending statements' results are
// read here: when one fails, the batch is closed and its error returned.
func (t *txConn) sendBatch(ctx context.Context, queue func(*pgx.Batch)) (pgx.BatchResults, error) {
	if t.failed != nil {
		return nil, t.failed
	}
	if err := t.acquire(ctx); err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	for _, p := range t.pending {
		b.Queue(p.sql, p.args...)
	}
	sent := t.pending
	t.pending, t.begun = nil, true
	t.sends++
	queue(b)
	br := t.conn.SendBatch(ctx, b)
	if err := t.readPending(br, sent); err != nil {
		return nil, err
	}
	return br, nil
}

// readPending reads the results of the pending statements sent at the
// head of br. On an error it closes br and returns the error, named after
// the held write that failed; a failed held write also marks the
// transaction failed.
func (t *txConn) readPending(br pgx.BatchResults, sent []stmt) error {
	for _, p := range sent {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			if pgErr := (*pgconn.PgError)(nil); p.op == "" || !errors.As(err, &pgErr) {
				// Not the server refusing the write (a broken connection,
				// say): the outcome is unknown, and the error is returned
				// as it is; the pool destroys the connection.
				return err
			}
			t.failed = opErr(p.op, err)
			if p.checked && isStaleCheck(err) {
				t.failed = conflict(p.op)
			}
			return t.failed
		}
	}
	return nil
}

// Exec runs a statement in the transaction.
func (t *txConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if len(t.pending) == 0 && t.failed == nil {
		return t.conn.Exec(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// Query runs a query in the transaction; the caller closes the rows.
func (t *txConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if len(t.pending) == 0 && t.failed == nil {
		return t.conn.Query(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// QueryRow runs a query for at most one row in the transaction; its Scan
// must be called.
func (t *txConn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if len(t.pending) == 0 && t.failed == nil {
		return t.conn.QueryRow(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return errRow{err}
	}
	return batchRow{row: br.QueryRow(), br: br}
}

// savepoint runs fn, whose statements may fail on a constraint, so that a
// failure rolls back only what fn did and leaves the transaction usable.
// The SAVEPOINT goes out with fn's first statement and its RELEASE with the
// transaction's next one (or not at all: COMMIT releases it), so a guarded
// statement that succeeds costs one round trip, like any other. Only a
// failure costs one more, the ROLLBACK TO SAVEPOINT.
func (t *txConn) savepoint(ctx context.Context, fn func(q querier) error) error {
	mark, sends := len(t.pending), t.sends
	t.pending = append(t.pending, stmt{sql: "savepoint sp"})
	err := fn(t)
	if t.sends == sends { // fn sent nothing: nor does the savepoint
		if err != nil {
			t.pending = t.pending[:mark] // nor anything fn held
			return err
		}
		t.pending = slices.Delete(t.pending, mark, mark+1) // keep what fn held
		return nil
	}
	if err != nil {
		if _, rerr := t.Exec(ctx, "rollback to savepoint sp"); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	t.pending = append(t.pending, stmt{sql: "release savepoint sp"})
	return err
}

// commit commits the transaction, if it ever began. A COMMIT of a
// transaction that had failed is pgx.ErrTxCommitRollback, as with pgx.Tx.
//
// Held writes go out with the COMMIT in one round trip. When one of them
// fails, the server has ignored the COMMIT: the transaction is rolled back
// and the held write's error returned, so nothing of it is written.
func (t *txConn) commit(ctx context.Context) error {
	if t.failed != nil {
		return t.fail(ctx)
	}
	if !t.holding() {
		if !t.begun {
			return nil
		}
		t.begun = false // whatever happens, there is no transaction to roll back after this
		tag, err := t.conn.Exec(ctx, "commit")
		return commitResult(tag, err)
	}
	if err := t.acquire(ctx); err != nil {
		return err
	}
	sent := t.pending
	t.pending, t.begun = nil, true
	b := &pgx.Batch{}
	for _, p := range sent {
		b.Queue(p.sql, p.args...)
	}
	b.Queue("commit")
	br := t.conn.SendBatch(ctx, b)
	if err := t.readPending(br, sent); err != nil {
		if t.failed == nil { // BEGIN failed, or the connection: the outcome is unknown
			t.begun = false // the pool destroys the connection
			return err
		}
		return t.fail(ctx) // the server ignored the COMMIT
	}
	t.begun = false
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return commitResult(tag, err)
}

// fail rolls back a transaction whose held write failed and returns that
// write's error.
func (t *txConn) fail(ctx context.Context) error {
	_ = t.rollback(context.WithoutCancel(ctx)) // if it fails, the pool destroys the connection
	return t.failed
}

// commitResult is a COMMIT's outcome. An error is an unknown outcome: the
// pool destroys a connection released while still in a transaction or
// broken. A COMMIT of a transaction that had failed is
// pgx.ErrTxCommitRollback, as with pgx.Tx.
func commitResult(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// rollback rolls the transaction back, if it began and was not committed.
func (t *txConn) rollback(ctx context.Context) error {
	if !t.begun {
		return nil
	}
	t.begun = false
	_, err := t.conn.Exec(ctx, "rollback")
	return err
}

// release returns the connection to the pool, which closes it instead
// when it is broken or still inside a transaction.
func (t *txConn) release() {
	if t.conn != nil {
		t.conn.Release()
	}
}

// batchRows are the rows of a batch's last query; closing them (which
// reading the last one does) closes the batch, whose error they report.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

// Next advances to the next row and closes the batch after the last.
func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

// Close closes the rows and the batch.
func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.err = r.br.Close()
		r.br = nil
	}
}

// Err is the rows' error or else the batch's.
func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// batchRow is the row of a batch's last query; Scan closes the batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

// Scan reads the row and closes the batch.
func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// errRow is a row whose query could not be sent.
type errRow struct{ err error }

// Scan returns the error.
func (r errRow) Scan(...any) error { return r.err }
