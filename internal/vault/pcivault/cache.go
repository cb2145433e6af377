package pcivault

import (
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

// pvUnlockCache keeps recently unlocked user keys for a short time, so that a
// burst of requests with the same passphrase costs one Argon2id run, not one
// each.
//
// Security: an entry is found only by an HMAC, under a random key that never
// leaves this process, of (tenant, user record id, hash of the wrapped private
// key, passphrase). The passphrase itself is never kept; a wrong passphrase
// can never hit; changing the passphrase rewraps the private key and so
// orphans every entry made with the old one; a deleted key is refused before
// the cache is consulted. The cache holds at most size keys, each for at most
// ttl, and is empty when ttl is negative.
type pvUnlockCache struct {
	ttl   time.Duration
	size  int
	names *pvNamer

	mu      sync.Mutex
	entries map[[32]byte]pvCached
}

type pvCached struct {
	key     *seal.UnlockedKey
	expires time.Time
}

func newPVUnlockCache(ttl time.Duration, size int) *pvUnlockCache {
	return &pvUnlockCache{ttl: ttl, size: size, names: newPVNamer(), entries: map[[32]byte]pvCached{}}
}

// pvProcessKey returns 32 fresh random bytes: an HMAC key that never
// leaves this process, so cache slot names cannot be computed outside it.
func pvProcessKey() []byte {
	mac := make([]byte, 32)
	if _, err := rand.Read(mac); err != nil {
		panic("vault: crypto/rand failed: " + err.Error())
	}
	return mac
}

// slot names the cache slot of one (key, passphrase) pair.
func (c *pvUnlockCache) slot(tenant, userID string, wrappedPrivate []byte, passphrase string) [32]byte {
	return c.slotOf(tenant, userID, sha256.Sum256(wrappedPrivate), passphrase)
}

// slotOf is slot given the SHA-256 of the wrapped private key.
func (c *pvUnlockCache) slotOf(tenant, userID string, wrapped [32]byte, passphrase string) [32]byte {
	return c.names.start().str(tenant).str(userID).bytes(wrapped[:]).str(passphrase).sum()
}

// get returns the unlocked key in slot if it is there and fresh at now.
func (c *pvUnlockCache) get(slot [32]byte, now time.Time) *seal.UnlockedKey {
	return c.lookup(slot, now).key
}

// lookup returns the entry in slot, with the end of its window, if it is
// there and fresh at now; else the zero pvCached.
func (c *pvUnlockCache) lookup(slot [32]byte, now time.Time) pvCached {
	if c.ttl < 0 {
		return pvCached{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[slot]
	if !ok {
		return pvCached{}
	}
	if !now.Before(e.expires) {
		delete(c.entries, slot)
		return pvCached{}
	}
	return e
}

// put keeps k in slot until now+ttl, first dropping stale entries and, when
// still full, the entry closest to expiry. It returns the end of the window
// (the zero time when the cache is off).
func (c *pvUnlockCache) put(slot [32]byte, k *seal.UnlockedKey, now time.Time) time.Time {
	if c.ttl < 0 {
		return time.Time{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.size {
		var oldest [32]byte
		var oldestAt time.Time
		for s, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, s)
				continue
			}
			if oldestAt.IsZero() || e.expires.Before(oldestAt) {
				oldest, oldestAt = s, e.expires
			}
		}
		if len(c.entries) >= c.size {
			delete(c.entries, oldest)
		}
	}
	c.entries[slot] = pvCached{key: k, expires: now.Add(c.ttl)}
	return now.Add(c.ttl)
}

// len reports how many keys are cached, stale ones included.
func (c *pvUnlockCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
