package jwtauth

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"
)

// ReplayCache remembers the token ids (jti) already used, each until its
// token expires. The verifier consults it only after a token's signature
// and lifetime checked out, so only the holder of a registered key can add
// entries.
type ReplayCache interface {
	// Remember records id, for the tenant the token's key belongs to, until
	// expires and reports whether it was new: false means id was recorded
	// before and has not yet expired.
	Remember(ctx context.Context, tenant, id string, expires time.Time) (bool, error)
}

// ErrReplayCacheFull means the in-memory replay cache holds as many live
// token ids as it may; the verifier refuses tokens (fails closed) until
// some expire rather than forget an id that could then be replayed.
var ErrReplayCacheFull = errors.New("jwtauth: replay cache full")

// MemoryReplayCache is a bounded in-memory ReplayCache for one process.
// Several nodes behind one address each need a shared, store-backed cache
// instead, or a token could be replayed once on each node.
type MemoryReplayCache struct {
	mu    sync.Mutex
	max   int
	now   func() time.Time
	until map[string]time.Time
	order expiryHeap
}

// NewMemoryReplayCache returns a cache holding at most max live ids; now is
// its clock (time.Now when nil).
func NewMemoryReplayCache(max int, now func() time.Time) *MemoryReplayCache {
	if now == nil {
		now = time.Now
	}
	return &MemoryReplayCache{max: max, now: now, until: map[string]time.Time{}}
}

// Remember implements ReplayCache.
func (c *MemoryReplayCache) Remember(_ context.Context, tenant, id string, expires time.Time) (bool, error) {
	id = tenant + "\x00" + id
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for len(c.order) > 0 && !c.order[0].expires.After(now) {
		e := heap.Pop(&c.order).(entry)
		delete(c.until, e.id)
	}
	if _, seen := c.until[id]; seen {
		return false, nil
	}
	if !expires.After(now) {
		return true, nil // already expired: nothing left to guard
	}
	if len(c.until) >= c.max {
		return false, ErrReplayCacheFull
	}
	c.until[id] = expires
	heap.Push(&c.order, entry{id: id, expires: expires})
	return true, nil
}

// Len returns the number of ids held, expired ones not yet dropped included.
func (c *MemoryReplayCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.until)
}

// entry is one id and when it may be forgotten.
type entry struct {
	id      string
	expires time.Time
}

// expiryHeap orders entries soonest expiry first.
type expiryHeap []entry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
