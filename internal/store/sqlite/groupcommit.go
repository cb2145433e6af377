package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// maxGroup bounds how many transactions share one commit.
const maxGroup = 64

// committer group-commits transactions: Tx calls that arrive while a commit
// is under way wait, then run one after another inside one SQLite
// transaction, each in a savepoint of its own, and are made durable by a
// single COMMIT (one fsync for the group). A call whose function fails is
// rolled back to its savepoint alone; every call returns only once the
// group's commit is on disk (or failed).
type committer struct {
	db    *sql.DB
	stmts *stmtCache    // db's prepared statements
	ckpt  *checkpointer // told of every group commit; nil: none
	stats *commitStats  // for /metrics

	// unprepared counts the statements run in a group without a prepared
	// handle (each query's first use), for tests.
	unprepared atomic.Int64

	mu      sync.Mutex
	queue   []*job
	running bool
}

// Job states; a queued job is claimed by either the committer (running) or
// its caller giving up (abandoned), never both.
const (
	jobQueued int32 = iota
	jobRunning
	jobAbandoned
)

// job is one Tx call waiting for its group.
type job struct {
	ctx   context.Context
	fn    func(*store) error
	state atomic.Int32
	err   error
	panic any
	done  chan struct{}
	// queued is when the call queued, started when its group began.
	queued, started time.Time
}

// errGoexit reports a function that ended its goroutine (runtime.Goexit,
// t.FailNow) instead of returning.
var errGoexit = errors.New("sqlite: transaction function exited its goroutine")

// run queues fn and waits for the commit of its group. A caller whose ctx
// ends while fn is still queued gets ctx's error and fn never runs; once fn
// has started, run waits for the group's outcome.
func (c *committer) run(ctx context.Context, fn func(*store) error) error {
	j := &job{ctx: ctx, fn: fn, done: make(chan struct{}), queued: time.Now()}
	c.mu.Lock()
	c.queue = append(c.queue, j)
	if !c.running {
		c.running = true
		go c.loop()
	}
	c.mu.Unlock()
	select {
	case <-j.done:
		c.stats.queueWait.Observe(j.started.Sub(j.queued).Seconds())
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobAbandoned) {
			return ctx.Err()
		}
		<-j.done
	}
	if j.panic != nil {
		panic(j.panic)
	}
	return j.err
}

// loop commits groups until the queue is empty. If a job's function ends
// the goroutine (runtime.Goexit), the deferred handler fails that group and
// starts a new loop for whatever is still queued.
func (c *committer) loop() {
	var group []*job
	returned := false
	defer func() {
		if returned {
			return
		}
		for _, j := range group {
			if j.err == nil && j.panic == nil {
				j.err = errGoexit
			}
			close(j.done)
		}
		c.mu.Lock()
		c.running = len(c.queue) > 0
		if c.running {
			go c.loop()
		}
		c.mu.Unlock()
	}()
	for {
		c.mu.Lock()
		n := min(len(c.queue), maxGroup)
		group = c.queue[:n:n]
		c.queue = c.queue[n:]
		if n == 0 {
			c.running = false
			c.mu.Unlock()
			returned = true
			return
		}
		c.mu.Unlock()
		missed := c.commit(group)
		for _, j := range group {
			close(j.done)
		}
		group = nil
		if len(missed) > 0 {
			c.unprepared.Add(int64(len(missed)))
			c.stmts.warm(missed)
		}
		if c.ckpt != nil {
			c.ckpt.committed(c.db)
		}
	}
}

// commit runs a group in one transaction and records each job's outcome.
// It returns the queries that ran unprepared, to be prepared for next time.
func (c *committer) commit(group []*job) (missed []string) {
	ctx := context.Background() // the group outlives any one caller's context
	start := time.Now()
	for _, j := range group {
		j.started = start
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		for _, j := range group {
			j.err = opErr("begin", err)
		}
		return nil
	}
	finished := false
	defer func() {
		if !finished { // a job's function exited the goroutine
			_ = tx.Rollback()
		}
	}()
	g := &groupState{}
	q := txStmts{tx: tx, cache: c.stmts, missed: &missed, inTx: map[string]*sql.Stmt{}}
	ok := 0
	for _, j := range group {
		if !j.state.CompareAndSwap(jobQueued, jobRunning) {
			j.err = j.ctx.Err() // abandoned by its caller, who has returned already
			continue
		}
		if err := j.ctx.Err(); err != nil {
			j.err = err
			continue
		}
		if err := runJob(q, g, j, len(group) == 1); err != nil { // the transaction itself broke
			finished = true
			_ = tx.Rollback()
			for _, o := range group {
				if o.err == nil && o.panic == nil || o == j {
					o.err = opErr("group transaction", errors.Join(err, j.err))
				}
			}
			return missed
		}
		if j.err == nil && j.panic == nil {
			ok++
		}
	}
	finished = true
	if ok == 0 {
		_ = tx.Rollback()
		return missed
	}
	stmts := time.Now()
	err = tx.Commit()
	c.stats.group(len(group), stmts.Sub(start), time.Since(stmts))
	if err != nil {
		for _, j := range group {
			if j.err == nil && j.panic == nil {
				j.err = opErr("commit", err)
			}
		}
	}
	return missed
}

// runJob runs one job inside a savepoint, rolling back to it when the job
// fails or panics. A job alone in its group needs none: when it fails, the
// group has nothing to commit and its transaction is rolled back whole
// (commit). It returns an error only when the group's transaction can no
// longer be trusted: a savepoint command failed, or a statement failed in a
// way that may have rolled the whole transaction back (after which SQLite
// would run further statements outside it).
func runJob(tx querier, g *groupState, j *job, alone bool) error {
	ctx := context.Background()
	if !alone {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT job"); err != nil {
			return err
		}
	}
	q := guarded{q: tx, g: g}
	func() {
		defer func() { j.panic = recover() }()
		j.err = j.fn(&store{w: q, r: q})
	}()
	if g.broken != nil {
		return g.broken
	}
	if alone {
		return nil
	}
	if j.err != nil || j.panic != nil {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO job"); err != nil {
			return fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx, "RELEASE job")
	return err
}

// groupState remembers the first statement error that may have ended the
// group's transaction.
type groupState struct{ broken error }

// guarded runs a job's statements on the group's transaction: without the
// caller's cancellation (an interrupted write inside a transaction would
// make SQLite roll back the whole group), and refusing every statement once
// one failed in a way that may have rolled the transaction back, so that no
// later write can slip into autocommit.
type guarded struct {
	q querier
	g *groupState
}

// check records err when it is not one a transaction survives.
func (u guarded) check(err error) error {
	if err != nil && u.g.broken == nil && !errors.Is(err, sql.ErrNoRows) && !isUnique(err) {
		u.g.broken = err
	}
	return err
}

func (u guarded) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if u.g.broken != nil {
		return nil, u.g.broken
	}
	res, err := u.q.ExecContext(context.WithoutCancel(ctx), query, args...)
	return res, u.check(err)
}

func (u guarded) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if u.g.broken != nil {
		return nil, u.g.broken
	}
	rows, err := u.q.QueryContext(context.WithoutCancel(ctx), query, args...)
	return rows, u.check(err)
}

func (u guarded) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	// A *sql.Row carries its error to Scan; reads cannot end a transaction
	// on their own, and a broken group is caught at the job's end.
	return u.q.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}
