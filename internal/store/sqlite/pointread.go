package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"
)

// Point reads (one row by a unique key, outside a transaction) are the
// store's hottest path: a reveal, a forward and authentication each make one
// to three. Through database/sql and the driver each one paid for the pool's
// bookkeeping, a driver Rows with its column names and declared types
// (allocated per query), a second copy of every blob (convertAssign), and a
// lock of the connection's SQLite mutex around each of the thirty or so
// sqlite3_column_* calls (the driver opens every connection
// SQLITE_OPEN_FULLMUTEX). readPool runs them on connections of its own,
// opened through the SQLite library the driver wraps: SQLITE_OPEN_NOMUTEX
// (a connection is used by one goroutine at a time, which the pool
// guarantees), statements prepared once per connection, arguments bound and
// columns read straight into the caller's variables.
//
// What a reader sees is unchanged: each read is its own read transaction on
// the WAL, started when the statement first steps and ended when it is
// reset, so it sees every write acknowledged before it started; the
// connections are query_only.

// readPool is a bounded pool of point-read connections to one file.
type readPool struct {
	path  string
	idle  chan *readConn
	slots chan struct{} // one per open connection

	mu     sync.Mutex
	closed bool
}

// newReadPool returns a pool of at most n connections to path, opened on
// first use.
func newReadPool(path string, n int) *readPool {
	return &readPool{path: path, idle: make(chan *readConn, n), slots: make(chan struct{}, n)}
}

// errPoolClosed is what a read on a closed store fails with.
var errPoolClosed = errors.New("sqlite: store is closed")

// get takes an idle connection, opens one if the pool has room, or waits
// for one until ctx ends.
func (p *readPool) get(ctx context.Context) (*readConn, error) {
	select {
	case c := <-p.idle:
		return c, nil
	default:
	}
	select {
	case c := <-p.idle:
		return c, nil
	case p.slots <- struct{}{}:
		p.mu.Lock()
		closed := p.closed
		p.mu.Unlock()
		if closed {
			<-p.slots
			return nil, errPoolClosed
		}
		c, err := openReadConn(p.path)
		if err != nil {
			<-p.slots
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put gives c back, or closes it once the pool is closed.
func (p *readPool) put(c *readConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || c.bad {
		c.close()
		<-p.slots
		return
	}
	p.idle <- c // never blocks: at most cap(idle) connections exist
}

// close closes the idle connections; those in use are closed when they
// come back.
func (p *readPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for {
		select {
		case c := <-p.idle:
			c.close()
			<-p.slots
		default:
			return
		}
	}
}

// row returns the row of query, a lookup by a unique key, for Scan.
func (p *readPool) row(ctx context.Context, query string, args []any) *pointRow {
	return &pointRow{ctx: ctx, pool: p, query: query, args: args}
}

// pointRow is a point read that runs when scanned, like *sql.Row: Scan
// fails with sql.ErrNoRows when nothing matched.
type pointRow struct {
	ctx   context.Context
	pool  *readPool
	query string
	args  []any
}

// Scan runs the query and copies the first row's columns into dest. A
// context that has already ended fails at once; one that ends later does
// not interrupt the read, which takes microseconds.
func (r *pointRow) Scan(dest ...any) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	c, err := r.pool.get(r.ctx)
	if err != nil {
		return err
	}
	defer r.pool.put(c)
	return c.queryRow(r.query, r.args, dest)
}

// broken reports whether a statement's result code rc leaves the
// connection unfit for another read: anything but a busy or locked
// database (I/O errors, corruption, out of memory) retires it.
func broken(rc int32) bool {
	switch rc & 0xff { // the primary code of an extended one
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return false
	}
	return true
}

// readConn is one SQLite connection and its prepared statements. It is not
// safe for concurrent use.
type readConn struct {
	tls   *libc.TLS
	db    uintptr
	stmts map[string]uintptr // prepared once, reset after each use
	buf   uintptr            // scratch C memory: SQL text, text and blob arguments
	nbuf  int
	out   uintptr // C memory for one pointer, an out-parameter
	// bad is set by a failure after which the connection is closed
	// instead of going back to the pool.
	bad bool
}

// openReadConn opens path read-write (the WAL index is shared memory that
// readers write to) and query_only, without the connection mutex.
func openReadConn(path string) (_ *readConn, err error) {
	// c is not a named result: `return nil, err` must leave it for the
	// deferred close.
	c := &readConn{tls: libc.NewTLS(), stmts: make(map[string]uintptr)}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	if err := c.grow(256); err != nil {
		return nil, err
	}
	if c.out = libc.Xmalloc(c.tls, types.Size_t(unsafe.Sizeof(uintptr(0)))); c.out == 0 {
		return nil, errNoMemory
	}
	name, err := libc.CString(path)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, name)
	*(*uintptr)(cmem(c.out)) = 0
	rc := sqlite3.Xsqlite3_open_v2(c.tls, name, c.out, sqlite3.SQLITE_OPEN_READWRITE|sqlite3.SQLITE_OPEN_NOMUTEX, 0)
	c.db = *(*uintptr)(cmem(c.out))
	if rc != sqlite3.SQLITE_OK {
		return nil, c.err("open reader", rc)
	}
	sqlite3.Xsqlite3_extended_result_codes(c.tls, c.db, 1)
	if rc := sqlite3.Xsqlite3_busy_timeout(c.tls, c.db, int32(busyTimeout.Milliseconds())); rc != sqlite3.SQLITE_OK {
		return nil, c.err("open reader", rc)
	}
	// The query planner's stability guarantee: a plan never depends on the
	// values bound to it, so clearing the bindings after a read (below) does
	// not expire the statement. Without it, a statement whose planner looked
	// at a bound value (the card and record join's expiry terms against the
	// partial expiry indexes) was re-compiled on every read: 27 % of a
	// forward's CPU (bench/README.md, "Round six (issue 17): forward"). A
	// lookup by a unique key has one plan whatever the values.
	va := libc.NewVaList(int32(1), uintptr(0))
	rc = sqlite3.Xsqlite3_db_config(c.tls, c.db, sqlite3.SQLITE_DBCONFIG_ENABLE_QPSG, va)
	libc.Xfree(c.tls, va)
	if rc != sqlite3.SQLITE_OK {
		return nil, c.err("open reader", rc)
	}
	for _, pragma := range []string{"PRAGMA query_only=1"} {
		q, err := libc.CString(pragma)
		if err != nil {
			return nil, err
		}
		rc := sqlite3.Xsqlite3_exec(c.tls, c.db, q, 0, 0, 0)
		libc.Xfree(c.tls, q)
		if rc != sqlite3.SQLITE_OK {
			return nil, c.err("open reader", rc)
		}
	}
	return c, nil
}

// close finalizes the statements and closes the connection.
func (c *readConn) close() {
	for q, s := range c.stmts {
		sqlite3.Xsqlite3_finalize(c.tls, s)
		delete(c.stmts, q)
	}
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
		c.db = 0
	}
	for _, p := range []*uintptr{&c.buf, &c.out} {
		if *p != 0 {
			libc.Xfree(c.tls, *p)
			*p = 0
		}
	}
	c.tls.Close()
}

// grow makes the scratch buffer at least n bytes long.
func (c *readConn) grow(n int) error {
	if n <= c.nbuf {
		return nil
	}
	n = max(n, 2*c.nbuf)
	p := libc.Xrealloc(c.tls, c.buf, types.Size_t(n))
	if p == 0 {
		return errNoMemory
	}
	c.buf, c.nbuf = p, n
	return nil
}

// errNoMemory is a failed C allocation.
var errNoMemory = errors.New("sqlite: out of memory")

// err describes a failed call that returned rc.
func (c *readConn) err(op string, rc int32) error {
	msg := ""
	if c.db != 0 {
		msg = libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db))
	} else {
		msg = libc.GoString(sqlite3.Xsqlite3_errstr(c.tls, rc))
	}
	return fmt.Errorf("sqlite: %s: %s (%d)", op, msg, rc)
}

// stmt returns the connection's statement of query, preparing it on first
// use; temporary means it is not cached (the cache is full) and the caller
// finalizes it.
func (c *readConn) stmt(query string) (s uintptr, temporary bool, err error) {
	if s := c.stmts[query]; s != 0 {
		return s, false, nil
	}
	if err := c.grow(len(query) + 1); err != nil {
		return 0, false, err
	}
	copy(unsafe.Slice((*byte)(cmem(c.buf)), len(query)), query)
	*(*byte)(cmem(c.buf + uintptr(len(query)))) = 0
	*(*uintptr)(cmem(c.out)) = 0
	temporary = len(c.stmts) >= maxStatements
	flags := uint32(0)
	if !temporary {
		flags = sqlite3.SQLITE_PREPARE_PERSISTENT
	}
	if rc := sqlite3.Xsqlite3_prepare_v3(c.tls, c.db, c.buf, int32(len(query)), flags, c.out, 0); rc != sqlite3.SQLITE_OK {
		c.bad = c.bad || broken(rc)
		return 0, false, c.err("prepare", rc)
	}
	s = *(*uintptr)(cmem(c.out))
	if s == 0 {
		return 0, false, errors.New("sqlite: prepare: empty statement")
	}
	if !temporary {
		c.stmts[query] = s
	}
	return s, temporary, nil
}

// queryRow runs query with args and copies its first row into dest;
// sql.ErrNoRows when it has none.
func (c *readConn) queryRow(query string, args []any, dest []any) error {
	s, temporary, err := c.stmt(query)
	if err != nil {
		return err
	}
	if temporary {
		defer sqlite3.Xsqlite3_finalize(c.tls, s)
	}
	// Resetting ends the read transaction the first step began; clearing
	// the bindings drops the arguments (key hashes, ids) from SQLite's
	// memory until the statement's next use.
	defer sqlite3.Xsqlite3_clear_bindings(c.tls, s)
	defer sqlite3.Xsqlite3_reset(c.tls, s)
	if err := c.bind(s, args); err != nil {
		return err
	}
	switch rc := sqlite3.Xsqlite3_step(c.tls, s); rc {
	case sqlite3.SQLITE_ROW:
	case sqlite3.SQLITE_DONE:
		return sql.ErrNoRows
	default:
		c.bad = c.bad || broken(rc)
		return c.err("query", rc)
	}
	if n := int(sqlite3.Xsqlite3_column_count(c.tls, s)); n != len(dest) {
		return fmt.Errorf("sqlite: query: %d columns into %d destinations", n, len(dest))
	}
	// Every text and blob of the row is copied into one allocation.
	var size int
	for i, d := range dest {
		switch d.(type) {
		case *string, *sql.NullString, *[]byte:
			if sqlite3.Xsqlite3_column_type(c.tls, s, int32(i)) != sqlite3.SQLITE_NULL {
				size += len(c.bytes(s, int32(i)))
			}
		}
	}
	a := arena(make([]byte, 0, size))
	for i, d := range dest {
		if err := c.column(s, int32(i), d, &a); err != nil {
			return fmt.Errorf("sqlite: query: column %d: %w", i, err)
		}
	}
	return nil
}

// arena hands out copies carved from one buffer allocated for a row.
type arena []byte

// bytes returns a copy of b in the arena (nil when b is empty), capped at
// its length so that appending to it cannot overwrite its neighbour.
func (a *arena) bytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	n := len(*a)
	*a = append(*a, b...)
	return (*a)[n : n+len(b) : n+len(b)]
}

// string returns a copy of b in the arena as a string. The arena's bytes
// are never written again once handed out.
func (a *arena) string(b []byte) string {
	c := a.bytes(b)
	if c == nil {
		return ""
	}
	return unsafe.String(&c[0], len(c))
}

// bind binds args to s's parameters, in order.
func (c *readConn) bind(s uintptr, args []any) error {
	if n := int(sqlite3.Xsqlite3_bind_parameter_count(c.tls, s)); n != len(args) {
		return fmt.Errorf("sqlite: bind: %d parameters, %d arguments", n, len(args))
	}
	for i, a := range args {
		idx := int32(i + 1)
		var rc int32
		switch v := a.(type) {
		case string:
			if err := c.grow(len(v) + 1); err != nil {
				return err
			}
			copy(unsafe.Slice((*byte)(cmem(c.buf)), len(v)), v)
			// SQLITE_TRANSIENT: SQLite copies the value before returning.
			rc = sqlite3.Xsqlite3_bind_text(c.tls, s, idx, c.buf, int32(len(v)), sqlite3.SQLITE_TRANSIENT)
		case []byte:
			if v == nil {
				rc = sqlite3.Xsqlite3_bind_null(c.tls, s, idx)
				break
			}
			if err := c.grow(len(v) + 1); err != nil {
				return err
			}
			copy(unsafe.Slice((*byte)(cmem(c.buf)), len(v)), v)
			rc = sqlite3.Xsqlite3_bind_blob(c.tls, s, idx, c.buf, int32(len(v)), sqlite3.SQLITE_TRANSIENT)
		case int64:
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, s, idx, v)
		case int:
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, s, idx, int64(v))
		case nil:
			rc = sqlite3.Xsqlite3_bind_null(c.tls, s, idx)
		default:
			return fmt.Errorf("sqlite: bind: argument %d: unsupported type %T", i+1, a)
		}
		if rc != sqlite3.SQLITE_OK {
			return c.err("bind", rc)
		}
	}
	return nil
}

// errNull is a NULL column scanned into a type that cannot hold it, as
// database/sql refuses it.
var errNull = errors.New("NULL into a non-nullable destination")

// column copies column i of s's current row into d. Text and blobs are
// copied out of SQLite's memory, which the next step or reset reuses, into
// a, which must have room for them.
func (c *readConn) column(s uintptr, i int32, d any, a *arena) error {
	null := sqlite3.Xsqlite3_column_type(c.tls, s, i) == sqlite3.SQLITE_NULL
	switch d := d.(type) {
	case *string:
		if null {
			return errNull
		}
		*d = a.string(c.bytes(s, i))
	case *sql.NullString:
		d.Valid = !null
		d.String = ""
		if !null {
			d.String = a.string(c.bytes(s, i))
		}
	case *[]byte:
		*d = nil
		if !null {
			*d = a.bytes(c.bytes(s, i))
		}
	case *int64:
		if null {
			return errNull
		}
		*d = sqlite3.Xsqlite3_column_int64(c.tls, s, i)
	case *int:
		if null {
			return errNull
		}
		*d = int(sqlite3.Xsqlite3_column_int64(c.tls, s, i))
	case *sql.NullInt64:
		d.Valid = !null
		d.Int64 = 0
		if !null {
			d.Int64 = sqlite3.Xsqlite3_column_int64(c.tls, s, i)
		}
	default:
		return fmt.Errorf("unsupported destination %T", d)
	}
	return nil
}

// bytes returns column i as bytes in SQLite's memory, valid until the next
// step, reset or column call on s.
func (c *readConn) bytes(s uintptr, i int32) []byte {
	p := sqlite3.Xsqlite3_column_blob(c.tls, s, i)
	n := sqlite3.Xsqlite3_column_bytes(c.tls, s, i)
	if p == 0 || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(cmem(p)), n)
}

// cmem is the C memory at p (from SQLite's allocator, outside the Go heap,
// so the garbage collector neither moves nor frees it) as a pointer.
func cmem(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
