// Package rotate moves a vault's wrapped keys to a new master key, re-seals
// its cards and records under a new data key version, and retires data key
// versions nothing uses: online, resumably and one runner at a time.
package rotate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// lockKey is the meta row that names the one running rotation.
const lockKey = "rotation_lock"

// Lease is how long a runner's claim lasts without renewal; a runner
// killed without releasing it is replaced after this long.
const Lease = 30 * time.Second

// Status is what the lock row says about a rotation.
type Status struct {
	Kind   string    `json:"kind"`
	Holder string    `json:"holder"`
	Until  time.Time `json:"until"`
	Done   int       `json:"done"`
	Total  int       `json:"total"`
	// Run names one rotation across its interruptions and resumptions.
	Run string `json:"run,omitempty"`
	// Finished is set when the rotation completed.
	Finished bool `json:"finished,omitempty"`
}

// ErrBusy means another runner holds the rotation lock.
var ErrBusy = errors.New("another rotation is running")

// lock is a claim on the rotation lock, renewed as progress is saved.
type lock struct {
	store vault.Store
	now   func() time.Time
	cur   []byte // the row's value as last written by us
	st    Status
	// prev is the status found when the lock was taken.
	prev Status
}

// HolderGone reports whether the runner a lock names is known to be dead
// (on this host, no process with its id), so that its lease can be taken
// over at once rather than when it runs out. nil knows nothing.
type HolderGone func(holder string) bool

// acquire claims the lock for holder, taking it over when it is free,
// released, expired, or held by a runner gone reports dead. It fails with
// ErrBusy (naming the holder) when another live runner has it: two runners
// never both proceed, because every write is a compare and swap on the
// value last read.
func acquire(ctx context.Context, store vault.Store, kind, holder string, now func() time.Time, gone HolderGone) (*lock, error) {
	l := &lock{store: store, now: now, st: Status{Kind: kind, Holder: holder, Run: now().UTC().Format(time.RFC3339Nano)}}
	old, err := store.GetMeta(ctx, lockKey)
	if errors.Is(err, vault.ErrNotFound) {
		next := l.value()
		if err := store.InsertMeta(ctx, lockKey, next); errors.Is(err, vault.ErrConflict) {
			return nil, fmt.Errorf("%w (it started just now)", ErrBusy)
		} else if err != nil {
			return nil, err
		}
		l.cur = next
		return l, nil
	}
	if err != nil {
		return nil, err
	}
	var held Status
	if json.Unmarshal(old, &held) == nil && held.Holder != "" && held.Until.After(now()) &&
		(gone == nil || !gone(held.Holder)) {
		return nil, fmt.Errorf("%w: %s rotation by %s, %d/%d done, lease until %s", ErrBusy,
			held.Kind, held.Holder, held.Done, held.Total, held.Until.UTC().Format(time.RFC3339))
	}
	l.prev = held
	if held.Kind == kind && !held.Finished && held.Run != "" {
		l.st.Run = held.Run // resume the interrupted rotation
	}
	next := l.value()
	if err := store.ReplaceMeta(ctx, lockKey, old, next); errors.Is(err, vault.ErrConflict) {
		return nil, fmt.Errorf("%w (it started just now)", ErrBusy)
	} else if err != nil {
		return nil, err
	}
	l.cur = next
	return l, nil
}

func (l *lock) value() []byte {
	l.st.Until = l.now().Add(Lease).UTC()
	b, _ := json.Marshal(l.st)
	return b
}

// progress saves done/total and renews the lease. It fails with ErrBusy if
// the lock was taken over (this runner stalled past its lease).
func (l *lock) progress(ctx context.Context, done, total int) error {
	l.st.Done, l.st.Total = done, total
	next := l.value()
	if err := l.store.ReplaceMeta(ctx, lockKey, l.cur, next); err != nil {
		if errors.Is(err, vault.ErrConflict) {
			return fmt.Errorf("%w: this runner's lease was taken over", ErrBusy)
		}
		return err
	}
	l.cur = next
	return nil
}

// hold waits d while renewing the lease, so that a long wait (the settle
// time of a data rotation) does not let another runner take over.
func (l *lock) hold(ctx context.Context, d time.Duration) error {
	for d > 0 {
		step := min(d, Lease/3)
		t := time.NewTimer(step)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		d -= step
		if err := l.progress(ctx, l.st.Done, l.st.Total); err != nil {
			return err
		}
	}
	return nil
}

// finish marks the rotation complete, so the next one starts afresh.
func (l *lock) finish() { l.st.Finished = true }

// release frees the lock (keeping the final counts for status readers).
func (l *lock) release(ctx context.Context) error {
	b, _ := json.Marshal(Status{Kind: l.st.Kind, Done: l.st.Done, Total: l.st.Total, Run: l.st.Run, Finished: l.st.Finished})
	return l.store.ReplaceMeta(ctx, lockKey, l.cur, b)
}

// Current returns the state of the rotation lock: the running (or last)
// rotation, or the zero Status when none ever ran.
func Current(ctx context.Context, store vault.Store) (Status, error) {
	b, err := store.GetMeta(ctx, lockKey)
	if errors.Is(err, vault.ErrNotFound) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, err
	}
	var st Status
	if err := json.Unmarshal(b, &st); err != nil {
		return Status{}, fmt.Errorf("rotation lock: %w", err)
	}
	return st, nil
}
