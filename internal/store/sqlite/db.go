package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cardvault/cardvault/internal/vault"

	"modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// busyTimeout is how long a connection waits for another process's write
// lock before giving up.
const busyTimeout = 10 * time.Second

// DB is a vault.Store backed by one SQLite file. It is safe for concurrent
// use. Writes, and every transaction, go through one connection in turn;
// reads outside a transaction use pools of read-only connections (point
// reads one of their own, pointread.go) and see every write that was
// acknowledged before they started.
type DB struct {
	store
	writer, reader *sql.DB
	wstmts, rstmts *stmtCache // the pools' prepared statements
	ckpt           *checkpointer
}

var _ vault.Store = (*DB)(nil)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// store implements vault.Store either over the two pools or inside one
// transaction, where w and r are the same *sql.Tx and begin is nil.
type store struct {
	group  *committer // where transactions start; nil inside a transaction
	w      querier    // writes
	r      querier    // reads
	points *readPool  // point reads outside a transaction; nil: through r
}

// row runs a lookup by a unique key for one row: on the point-read pool
// outside a transaction (pointread.go), else through r.
func (s *store) row(ctx context.Context, query string, args ...any) scanner {
	if s.points == nil {
		return s.r.QueryRowContext(ctx, query, args...)
	}
	return s.points.row(ctx, query, args)
}

// Open opens (creating if needed) the database file at path and applies any
// pending migrations. Several processes may open the same file at once; the
// migrations run exactly once. It switches SQLite's commits in this process
// to fdatasync (syncData).
func Open(ctx context.Context, path string) (*DB, error) {
	// A "file:" name would be a URI to the driver but a plain file name to
	// the point-read pool: two different databases.
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		return nil, errors.New("sqlite: open: path must be a file name without '?' and not a file: URI")
	}
	if err := prepareFiles(path); err != nil {
		return nil, err
	}
	syncData()
	busy := strconv.FormatInt(busyTimeout.Milliseconds(), 10)
	// The writer's statement journals (one per group member's savepoint)
	// stay in memory: on disk they were a quarter of all writes. It never
	// checkpoints inside a commit; the checkpointer does (checkpoint.go).
	writer, err := sql.Open("sqlite", path+"?_busy_timeout="+busy+
		"&_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1&_txlock=immediate"+
		"&_pragma=temp_store(memory)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	writer.SetConnMaxLifetime(0)
	if err := retryBusy(ctx, func() error { return setUp(ctx, writer) }); err != nil {
		writer.Close()
		return nil, err
	}

	reader, err := sql.Open("sqlite", path+"?_busy_timeout="+busy+
		"&_foreign_keys=1&_query_only=1")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open reader: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	if err := reader.PingContext(ctx); err != nil {
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("sqlite: open reader: %w", err)
	}
	ckdb, err := sql.Open("sqlite", path+"?_busy_timeout="+busy+"&_synchronous=FULL")
	if err != nil {
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	ckdb.SetMaxOpenConns(1)
	ckdb.SetMaxIdleConns(1)
	ckdb.SetConnMaxIdleTime(0)
	ckdb.SetConnMaxLifetime(0)
	ckpt := newCheckpointer(ckdb)
	w, r := newStmtCache(writer), newStmtCache(reader)
	r.uncancelledRows = true
	return &DB{
		store: store{group: &committer{db: writer, stmts: w, ckpt: ckpt, stats: newCommitStats()}, w: w, r: r,
			points: newReadPool(path, n)},
		writer: writer, reader: reader, ckpt: ckpt,
		wstmts: w, rstmts: r,
	}, nil
}

// syncDataOnce switches SQLite to fdatasync once per process.
var syncDataOnce sync.Once

// syncData makes SQLite sync commits and checkpoints with fdatasync(2)
// instead of fsync(2), process-wide, where the system has it (Linux, the
// BSDs, illumos; elsewhere it stays fsync). fdatasync writes a file's data
// and the metadata needed to read it back, its size included, and skips the
// timestamps: a commit acknowledged after it is as durable as before (it is
// what SQLite's own builds use on Linux), and on ext4 it does not wait for
// the journal commit of an mtime update. synchronous stays FULL.
func syncData() {
	syncDataOnce.Do(func() { _, _ = sqlite.Fdatasync(true) })
}

// setUp makes sure the file is in WAL mode and migrated.
func setUp(ctx context.Context, writer *sql.DB) error {
	var mode string
	if err := writer.QueryRowContext(ctx, `PRAGMA journal_mode=WAL`).Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: open: journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlite: open: journal mode is %s, not WAL", mode)
	}
	return migrate(ctx, writer)
}

// retryBusy runs fn until it does not fail with SQLITE_BUSY, for at most
// busyTimeout. SQLite does not call the busy handler in every case: while
// another process turns a new file into a WAL database, opening and
// beginning fail at once.
func retryBusy(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(busyTimeout)
	for delay := 2 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		err := fn()
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(delay):
		}
	}
}

// Close closes both pools. Calls in flight may fail.
func (db *DB) Close() error {
	db.ckpt.close()
	db.points.close()
	return errors.Join(db.rstmts.close(), db.wstmts.close(), db.ckpt.db.Close(), db.reader.Close(), db.writer.Close())
}

// Ping reports whether the database answers a query.
func (s *store) Ping(ctx context.Context) error {
	var one int
	if err := s.row(ctx, "SELECT 1").Scan(&one); err != nil {
		return opErr("ping", err)
	}
	return nil
}

// Tx runs fn in one IMMEDIATE transaction on the writer connection,
// group-committed with concurrent Tx calls (see committer): fn's writes are
// durable when Tx returns nil. fn runs on the committer's goroutine. Inside
// fn, use only the Store fn is given: a write or Tx through the outer DB
// would wait for the group fn belongs to, and so fails only when its own
// context ends. When fn returns an error or panics its writes are rolled
// back and the error (or panic) passed on unchanged; the other calls of its
// group are not affected.
func (s *store) Tx(ctx context.Context, fn func(vault.Store) error) error {
	return s.inTx(ctx, func(ts *store) error { return fn(ts) })
}

// inTx runs fn in a transaction, reusing the current one if there is one.
func (s *store) inTx(ctx context.Context, fn func(*store) error) error {
	if s.group == nil {
		return fn(s)
	}
	return s.group.run(ctx, fn)
}
