package pcivault

import (
	"context"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/cardvault/cardvault/internal/vault"
)

// ErrBusy answers an operation that needs an Argon2id run while every
// run slot is taken and Options.MaxUnlockWaiters callers already
// wait for one.
var ErrBusy = &vault.Error{Code: vault.CodeUnavailable, Public: "busy, try again"}

// pvSlots bounds Argon2id work, which costs 64 MiB and tens of
// milliseconds per run by default: at most cap(run) runs at once, and at
// most maxWait callers waiting for a slot. The slots are shared by every
// tenant, so a bounded queue keeps one tenant's flood of unlocks from
// piling up goroutines (and their requests) without limit: callers beyond
// it fail at once with ErrBusy.
type pvSlots struct {
	run     chan struct{}
	maxWait int64
	waiting atomic.Int64
	// freeing is set while a return of freed memory to the OS is under way.
	freeing atomic.Bool
}

func newPVSlots(runs, maxWait int) *pvSlots {
	return &pvSlots{run: make(chan struct{}, runs), maxWait: int64(maxWait)}
}

// pvWithSlot runs an Argon2id-heavy fn once a slot of s is free: at once
// when one is, after waiting when fewer than s.maxWait others wait, and
// not at all (ErrBusy) otherwise, or when ctx ends first.
func pvWithSlot[T any](ctx context.Context, s *pvSlots, fn func() (T, error)) (T, error) {
	var zero T
	select {
	case s.run <- struct{}{}:
	default:
		if s.waiting.Add(1) > s.maxWait {
			s.waiting.Add(-1)
			return zero, ErrBusy
		}
		select {
		case s.run <- struct{}{}:
			s.waiting.Add(-1)
		case <-ctx.Done():
			s.waiting.Add(-1)
			return zero, ctx.Err()
		}
	}
	s.settle()
	pvTightenGC()
	defer func() { pvRelaxGC(); <-s.run; s.free() }()
	return fn()
}

// pvRunGCPercent is the collector's GOGC while an Argon2id run holds its
// block: the heap may grow by a tenth of the live memory (the blocks
// included) before the next collection, not by all of it.
const pvRunGCPercent = 10

// pvRuns counts Argon2id runs in progress in this process, and keeps the
// GOGC they replaced.
var pvRuns struct {
	sync.Mutex
	n    int
	prev int
}

// pvTightenGC lowers GOGC for the time of a run. A run's block is live
// memory, so at the usual GOGC (100) the heap goal doubles with it and the
// garbage of the requests served meanwhile (a busy key's window is renewed
// while its reads go on) could grow by as much again before it is
// collected. The block holds no
// pointers, so the extra collections only mark the rest of the heap, a
// few megabytes. A GOGC already lower (or off) stays.
func pvTightenGC() {
	pvRuns.Lock()
	defer pvRuns.Unlock()
	if pvRuns.n == 0 {
		pvRuns.prev = debug.SetGCPercent(pvRunGCPercent)
		if pvRuns.prev < pvRunGCPercent {
			debug.SetGCPercent(pvRuns.prev)
		}
	}
	pvRuns.n++
}

// pvRelaxGC gives GOGC back when the last run ends.
func pvRelaxGC() {
	pvRuns.Lock()
	defer pvRuns.Unlock()
	if pvRuns.n--; pvRuns.n == 0 {
		debug.SetGCPercent(pvRuns.prev)
	}
}

// settle runs before an Argon2id run, in its slot: it collects the
// garbage of everything that ran since the last collection and hands the
// free memory back to the operating system, so that the run's block is
// added to the live memory only, not to a heap that had grown towards its
// next collection. That bounds the process's high-water mark at its
// resident memory without garbage plus the runs' blocks (bench/README.md,
// "Round four": 2-6 MB lower in a fresh process, 5 MB after load). It costs one forced collection, a few milliseconds
// against the tens to hundreds a run takes, and only when a passphrase is
// actually derived.
func (s *pvSlots) settle() { debug.FreeOSMemory() }

// free hands the memory of finished Argon2id runs back to the operating
// system, in the background and once at a time. Left to the garbage
// collector, a 64 MiB block that was just freed stays counted in the heap
// goal, which lets the heap (and the resident memory) grow to about twice
// the live memory of the runs before it is collected; a forced collection
// right after a run costs a few milliseconds against the tens to hundreds a
// run takes, and only happens when a passphrase is actually derived (an
// unlock cache hit runs nothing).
func (s *pvSlots) free() {
	if !s.freeing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.freeing.Store(false)
		debug.FreeOSMemory()
	}()
}
