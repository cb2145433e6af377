package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// Checkpoints copy the pages of the write-ahead log back into the database
// file. SQLite runs one by itself (wal_autocheckpoint, 1,000 pages) inside
// the COMMIT that crosses the threshold, on the writer: the whole group, and
// every request queued behind it, waited for a thousand page writes and two
// fsyncs. The writer turns that off, and a checkpointer on a connection of
// its own copies the log in the background instead (a PASSIVE checkpoint
// takes no lock a writer or reader waits for).
//
// Durability does not depend on checkpoints: every commit is in the log and
// synced before it is acknowledged (synchronous=FULL). A checkpoint syncs
// the log before it copies and the database file after.
//
// A background pass cannot catch up with a writer that never pauses, and
// SQLite only starts the log over once every frame of it is copied; so when
// a pass leaves the log longer than walRestartFrames, the committer copies
// the few frames left itself, between two groups (after acknowledging the
// first), and the next write starts the log from the beginning. Writes
// outside Tx (autocommitted on the writer, not counted by the committer)
// are copied by the timed passes; a stream of only those starts the log
// over at its first pause.
const (
	// checkpointEvery is how many group commits pass between background
	// checkpoints: about SQLite's default 1,000 pages at the 30 or so
	// pages a group of small writes adds to the log.
	checkpointEvery = 32
	// checkpointInterval bounds the time between background passes, for
	// writes outside Tx (which the committer does not count).
	checkpointInterval = time.Second
	// walRestartFrames is the log length (4 KiB pages) above which the
	// committer finishes a checkpoint so that the log starts over.
	walRestartFrames = 4096
)

// checkpointer runs PASSIVE checkpoints on its own connection.
type checkpointer struct {
	db      *sql.DB
	kick    chan struct{} // capacity 1: a pass is due
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once

	every         int          // checkpointEvery; read by the committer goroutine
	restartFrames atomic.Int64 // walRestartFrames

	commits int          // group commits since the last kick; committer goroutine only
	finish  atomic.Bool  // the log is long: the committer should finish a checkpoint
	passes  atomic.Int64 // background passes run, for tests
}

// newCheckpointer starts a checkpointer over db (one connection, synchronous=FULL).
func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}),
		every: checkpointEvery}
	c.restartFrames.Store(walRestartFrames)
	go c.run()
	return c
}

// run checkpoints when kicked or every checkpointInterval, until close.
func (c *checkpointer) run() {
	defer close(c.stopped)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), busyTimeout)
		logFrames, _, err := checkpoint(ctx, c.db)
		cancel()
		c.passes.Add(1)
		if err == nil && logFrames >= c.restartFrames.Load() {
			c.finish.Store(true)
		}
	}
}

// committed is called by the committer after each group commit, once the
// group is acknowledged, on the writer connection w (which it holds no
// transaction on). It kicks a background pass every checkpointEvery groups
// and, when the log has grown long, finishes a checkpoint on w.
func (c *checkpointer) committed(w *sql.DB) {
	if c.commits++; c.commits >= c.every {
		c.commits = 0
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
	if !c.finish.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), busyTimeout)
	defer cancel()
	logFrames, copied, err := checkpoint(ctx, w)
	if err == nil && copied >= logFrames { // else busy (a background pass): try after the next group
		c.finish.Store(false)
	}
}

// close stops the background passes; it does not close db.
func (c *checkpointer) close() {
	c.once.Do(func() { close(c.stop) })
	<-c.stopped
}

// checkpoint runs a PASSIVE checkpoint and returns the log's length and how
// much of it is now in the database file, in frames; a checkpoint that
// could not run (another one holds the lock) reports busy as an error-free
// pass that copied nothing.
func checkpoint(ctx context.Context, db *sql.DB) (logFrames, copied int64, err error) {
	var busy int
	err = db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied)
	if busy != 0 {
		return logFrames, 0, err
	}
	return logFrames, copied, err
}
