package pcivault

import (
	"context"
	"sync"
	"time"
)

// pvRenewals renews unlock windows ahead of their end. Without it, when
// the window of a key in steady use ends, every request for that key
// waits for the Argon2id run of the first one after it (tens to hundreds
// of milliseconds, once a minute: the tail latency of a busy key). With
// it, a request that presents the right passphrase in the last sixth of
// the window (checked exactly as any cache hit is: its keyed hash names
// the slot) starts that run in the background, with that passphrase, and
// the requests keep being served from the current window meanwhile.
//
// Nothing about what is kept changes: a renewed key is one that an
// Argon2id run with the right passphrase has just opened, cached under
// the same slot, for one more window; a key nobody presents the
// passphrase of in the last sixth of its window ends as before; a renewal
// runs in the same bounded Argon2id slots as any unlock and is dropped
// when they are busy.
type pvRenewals struct {
	mu      sync.Mutex
	running map[[32]byte]bool
	// wg tracks renewals in flight (for tests).
	wg sync.WaitGroup
}

// start reports whether the caller should renew slot (no renewal of it
// is running) and marks it running.
func (r *pvRenewals) start(slot [32]byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[slot] {
		return false
	}
	if r.running == nil {
		r.running = map[[32]byte]bool{}
	}
	r.running[slot] = true
	r.wg.Add(1)
	return true
}

func (r *pvRenewals) end(slot [32]byte) {
	r.mu.Lock()
	delete(r.running, slot)
	r.mu.Unlock()
	r.wg.Done()
}

// renewSoon renews the unlock window o of u in the background when it
// ends within a sixth of the window; passphrase is the one just checked
// against o's slot.
func (p *Service) renewSoon(u pvUser, o pvOpened, passphrase string) {
	ahead := p.cache.ttl / 6
	if o.until.IsZero() || p.cache.ttl <= 0 || o.until.Sub(p.s.Now()) > ahead {
		return
	}
	// o may be an earlier window than the cache's: a renewal that has
	// landed already is not run again.
	if c := p.cache.lookup(o.slot, p.s.Now()); c.key != nil && c.expires.Sub(p.s.Now()) > ahead {
		return
	}
	if !p.renewals.start(o.slot) {
		return
	}
	go func() {
		defer p.renewals.end(o.slot)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// A failure (busy slots, a changed key) leaves the window to end.
		_, _ = p.derive(ctx, u, o.slot, passphrase)
	}()
}
