package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
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
	db *sql.DB

	mu      sync.Mutex
	queue   []*job
	running bool
}

// job is one Tx call waiting for its group.
type job struct {
	ctx   context.Context
	fn    func(*store) error
	err   error
	panic any
	done  chan struct{}
}

// run queues fn and waits for the commit of its group.
func (c *committer) run(ctx context.Context, fn func(*store) error) error {
	j := &job{ctx: ctx, fn: fn, done: make(chan struct{})}
	c.mu.Lock()
	c.queue = append(c.queue, j)
	if !c.running {
		c.running = true
		go c.loop()
	}
	c.mu.Unlock()
	<-j.done
	if j.panic != nil {
		panic(j.panic)
	}
	return j.err
}

// loop commits groups until the queue is empty.
func (c *committer) loop() {
	for {
		c.mu.Lock()
		n := min(len(c.queue), maxGroup)
		group := c.queue[:n:n]
		c.queue = c.queue[n:]
		if n == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		c.commit(group)
		for _, j := range group {
			close(j.done)
		}
	}
}

// commit runs a group in one transaction and records each job's outcome.
func (c *committer) commit(group []*job) {
	ctx := context.Background() // the group outlives any one caller's context
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		for _, j := range group {
			j.err = opErr("begin", err)
		}
		return
	}
	ok := 0
	for _, j := range group {
		if err := j.ctx.Err(); err != nil {
			j.err = err
			continue
		}
		if err := runSavepoint(tx, j); err != nil { // the transaction itself broke
			_ = tx.Rollback()
			for _, g := range group {
				if g.err == nil && g.panic == nil {
					g.err = opErr("savepoint", err)
				}
			}
			return
		}
		if j.err == nil && j.panic == nil {
			ok++
		}
	}
	if ok == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		for _, j := range group {
			if j.err == nil && j.panic == nil {
				j.err = opErr("commit", err)
			}
		}
	}
}

// runSavepoint runs one job inside a savepoint, rolling back to it when the
// job fails or panics. Statements run without the caller's cancellation: an
// interrupted write inside a transaction would make SQLite roll back the
// whole group. It returns an error only when the savepoint commands fail.
func runSavepoint(tx *sql.Tx, j *job) error {
	if _, err := tx.Exec("SAVEPOINT job"); err != nil {
		return err
	}
	func() {
		defer func() { j.panic = recover() }()
		j.err = j.fn(&store{w: uncancelled{tx}, r: uncancelled{tx}})
	}()
	if j.err != nil || j.panic != nil {
		if _, err := tx.Exec("ROLLBACK TO job"); err != nil {
			return fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	_, err := tx.Exec("RELEASE job")
	return err
}

// uncancelled runs statements with the caller's context values but without
// its cancellation (see runSavepoint).
type uncancelled struct{ q querier }

func (u uncancelled) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return u.q.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (u uncancelled) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return u.q.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (u uncancelled) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return u.q.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}
