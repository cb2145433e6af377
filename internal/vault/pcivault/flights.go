package pcivault

import (
	"context"
	"errors"
	"sync"
)

// pvFlights coalesces concurrent unlocks of one unlock cache slot (one
// tenant, user, wrapped key and passphrase): the first runs Argon2id, the
// others wait for its result instead of each running (and allocating 64 MiB
// for) the same derivation. A burst of requests with one passphrase, as
// when an unlock window ends under load, costs one run.
type pvFlights struct {
	mu    sync.Mutex
	calls map[[32]byte]*pvFlight
	// waiters counts callers waiting for another's run (for tests).
	waiters int
}

type pvFlight struct {
	done chan struct{}
	key  pvOpened
	err  error
}

// do returns fn's result for slot, running fn unless another caller is
// already running it for the same slot, in which case it waits for that
// result (or for ctx). A leader that gave up because its own context ended
// is not an answer for the others: they try again.
func (f *pvFlights) do(ctx context.Context, slot [32]byte, fn func() (pvOpened, error)) (pvOpened, error) {
	for {
		f.mu.Lock()
		if f.calls == nil {
			f.calls = map[[32]byte]*pvFlight{}
		}
		c, waiting := f.calls[slot]
		if !waiting {
			c = &pvFlight{done: make(chan struct{})}
			f.calls[slot] = c
		} else {
			f.waiters++
		}
		f.mu.Unlock()
		if !waiting {
			c.key, c.err = fn()
			f.mu.Lock()
			delete(f.calls, slot)
			f.mu.Unlock()
			close(c.done)
			return c.key, c.err
		}
		select {
		case <-c.done:
		case <-ctx.Done():
		}
		f.mu.Lock()
		f.waiters--
		f.mu.Unlock()
		if ctx.Err() != nil {
			return pvOpened{}, ctx.Err()
		}
		if errors.Is(c.err, context.Canceled) || errors.Is(c.err, context.DeadlineExceeded) {
			continue
		}
		return c.key, c.err
	}
}
