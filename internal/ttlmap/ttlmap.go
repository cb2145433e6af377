// Package ttlmap keeps the vault's short-lived in-memory caches (API keys,
// tenant states, unlocked users) within their size and age bounds.
package ttlmap

import (
	"sync"
	"time"
)

// Cache maps keys to values that each stop being served at their own
// expiry. It holds at most a fixed number of entries: when full, Put looks
// at a few (evictScan) and drops the expired ones among them or, when none
// has expired, one of them.
//
// Forgetting moves the cache's generation on, and Put keeps nothing when
// the generation has moved since the caller read it: a value read before
// a change that forgot its key can never be put back after the change.
// Cache is safe for concurrent use.
type Cache[K comparable, V any] struct {
	max int

	mu      sync.Mutex
	entries map[K]entry[V]
	gen     uint64
}

// entry is one kept value and when it stops being served.
type entry[V any] struct {
	value   V
	expires time.Time
}

// New returns an empty cache of at most max entries; a max of zero or
// less keeps nothing.
func New[K comparable, V any](max int) *Cache[K, V] {
	return &Cache[K, V]{max: max, entries: map[K]entry[V]{}}
}

// Get returns the value kept for k when it is still live at now.
func (c *Cache[K, V]) Get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		var zero V
		return zero, false
	}
	if !now.Before(e.expires) {
		delete(c.entries, k)
		var zero V
		return zero, false
	}
	return e.value, true
}

// Generation returns the count of forgets so far, to pass to Put by a
// caller about to read the value it will keep (a cache that is never told
// to forget stays at generation 0).
func (c *Cache[K, V]) Generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// Put keeps v for k until expires, unless something was forgotten since
// gen was read from Generation, or expires is not after now. When the
// cache is full it makes room first.
func (c *Cache[K, V]) Put(k K, v V, gen uint64, now, expires time.Time) {
	if c.max <= 0 || !now.Before(expires) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if _, ok := c.entries[k]; !ok && len(c.entries) >= c.max {
		makeRoom(c.entries, now)
	}
	c.entries[k] = entry[V]{value: v, expires: expires}
}

// Forget drops k and moves the generation on.
func (c *Cache[K, V]) Forget(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.entries, k)
}

// ForgetIf drops every entry whose value matches and moves the
// generation on.
func (c *Cache[K, V]) ForgetIf(match func(V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if match(e.value) {
			delete(c.entries, k)
		}
	}
}

// Len reports how many entries are kept, expired ones included.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// evictScan bounds how many entries one Put looks at when the cache is
// full, so that making room costs the same however large the cache is.
const evictScan = 16

// makeRoom deletes, among at most evictScan entries of m, every one that
// has expired at now or, when none has, one of them. The caller holds c.mu.
func makeRoom[K comparable, V any](m map[K]entry[V], now time.Time) {
	seen, freed := 0, false
	var live K
	for k, e := range m {
		if !now.Before(e.expires) {
			delete(m, k)
			freed = true
		} else if seen == 0 {
			live = k
		}
		if seen++; seen >= evictScan {
			break
		}
	}
	if !freed {
		delete(m, live)
	}
}
