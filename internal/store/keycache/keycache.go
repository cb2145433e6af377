// Package keycache wraps a vault.Store so that API keys found by secret hash
// are remembered for a short, bounded time, saving one store read per
// authenticated request.
//
// The bound is the contract: a key is served from the cache for at most TTL
// after it was read from the store. A revocation made through this Store is
// seen at once; one made on another node (or directly in the database) is
// seen here at most TTL later; a change of scopes (UpdateAPIKey) is
// treated the same way. Only keys that exist are cached: an unknown
// hash always goes to the store, so a caller spraying random secrets cannot
// fill the cache or push real keys out of it. The cache holds at most a
// fixed number of keys; when full, expired entries go first, then an
// arbitrary one (among the few a new entry looks at, ttlmap.Cache). Concurrent lookups of one uncached hash share one store
// read (a lookup that starts after a revocation or change through this
// Store never shares a read that began before it).
package keycache

import (
	"context"
	"slices"
	"time"

	"github.com/cardvault/cardvault/internal/ttlmap"
	"github.com/cardvault/cardvault/internal/vault"
)

// DefaultTTL is how long a key is cached unless the caller says otherwise.
const DefaultTTL = 2 * time.Second

// DefaultMaxKeys is how many keys the cache holds at most.
const DefaultMaxKeys = 10_000

// Store is a vault.Store whose APIKeyByHash answers from a short-lived
// cache. Every other call goes to the wrapped store unchanged; inside Tx,
// lookups are not cached, and revocations and changes also clear the cache
// once the transaction is over.
type Store struct {
	vault.Store
	cache *cache
}

var _ vault.Store = (*Store)(nil)

// New wraps next with a cache of at most maxKeys keys, each kept for ttl.
// A ttl of zero or less turns caching off (New returns next itself); a
// maxKeys of zero or less means DefaultMaxKeys.
func New(next vault.Store, ttl time.Duration, maxKeys int) vault.Store {
	if ttl <= 0 {
		return next
	}
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return newStore(next, ttl, maxKeys, time.Now)
}

// newStore is New on the clock now, with ttl and maxKeys above zero.
func newStore(next vault.Store, ttl time.Duration, maxKeys int, now func() time.Time) *Store {
	return &Store{Store: next, cache: ttlmap.NewLoader[vault.APIKey](ttl, maxKeys, now)}
}

// APIKeyByHash returns the key from the cache when it was read from the
// store less than TTL ago, else from the store (caching it if found).
// Concurrent misses for one hash make one store read, which they share.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (vault.APIKey, error) {
	k, err := s.cache.Load(ctx, string(hash), func(ctx context.Context) (vault.APIKey, bool, error) {
		k, err := s.Store.APIKeyByHash(ctx, hash)
		return k, true, err
	})
	return clone(k), err
}

// UpdateAPIKey changes the key in the store and drops it from the cache,
// so its old scopes are not served on.
func (s *Store) UpdateAPIKey(ctx context.Context, k vault.APIKey, old []byte) error {
	err := s.Store.UpdateAPIKey(ctx, k, old)
	drop(s.cache, k.Tenant, k.ID)
	return err
}

// RevokeAPIKey revokes the key in the store and drops it from the cache.
func (s *Store) RevokeAPIKey(ctx context.Context, tenant, id string, at time.Time, integrity, old []byte) error {
	err := s.Store.RevokeAPIKey(ctx, tenant, id, at, integrity, old)
	drop(s.cache, tenant, id)
	return err
}

// Tx runs fn in a transaction of the wrapped store. Keys revoked or
// changed inside it are dropped from the cache at once and again when Tx
// returns, so a lookup racing the commit cannot keep the old row.
func (s *Store) Tx(ctx context.Context, fn func(vault.Store) error) error {
	var changed []vault.APIKey // only Tenant and ID are set
	defer func() {
		for _, k := range changed {
			drop(s.cache, k.Tenant, k.ID)
		}
	}()
	return s.Store.Tx(ctx, func(tx vault.Store) error {
		return fn(&txStore{Store: tx, cache: s.cache, changed: &changed})
	})
}

// txStore is the Store inside a transaction: lookups go to the
// transaction, revoked and changed keys are remembered for Tx to drop
// afterwards.
type txStore struct {
	vault.Store
	cache   *cache
	changed *[]vault.APIKey
}

// UpdateAPIKey changes the key in the transaction and drops it from the cache.
func (t *txStore) UpdateAPIKey(ctx context.Context, k vault.APIKey, old []byte) error {
	err := t.Store.UpdateAPIKey(ctx, k, old)
	t.forget(k.Tenant, k.ID)
	return err
}

// RevokeAPIKey revokes in the transaction and drops the key from the cache.
func (t *txStore) RevokeAPIKey(ctx context.Context, tenant, id string, at time.Time, integrity, old []byte) error {
	err := t.Store.RevokeAPIKey(ctx, tenant, id, at, integrity, old)
	t.forget(tenant, id)
	return err
}

// forget drops a key from the cache now and again when Tx returns.
func (t *txStore) forget(tenant, id string) {
	*t.changed = append(*t.changed, vault.APIKey{Tenant: tenant, ID: id})
	drop(t.cache, tenant, id)
}

// Tx runs fn in the same transaction.
func (t *txStore) Tx(ctx context.Context, fn func(vault.Store) error) error {
	return t.Store.Tx(ctx, func(tx vault.Store) error {
		return fn(&txStore{Store: tx, cache: t.cache, changed: t.changed})
	})
}

// cache maps secret hashes to keys, bounded in size and age.
type cache = ttlmap.Loader[vault.APIKey]

// drop removes every entry of the tenant's key id from c.
func drop(c *cache, tenant, id string) {
	c.ForgetIf(func(k vault.APIKey) bool { return k.ID == id && k.Tenant == tenant })
}

// clone copies k's slices, so callers cannot change a cached entry.
func clone(k vault.APIKey) vault.APIKey {
	k.Scopes = slices.Clone(k.Scopes)
	k.Hash = slices.Clone(k.Hash)
	return k
}

// CreateRecords forwards a batch of records (vault.RecordBatcher).
func (s *Store) CreateRecords(ctx context.Context, records []vault.Record) error {
	return vault.CreateRecords(ctx, s.Store, records)
}

// CreateRecords forwards a batch of records (vault.RecordBatcher).
func (t *txStore) CreateRecords(ctx context.Context, records []vault.Record) error {
	return vault.CreateRecords(ctx, t.Store, records)
}

// DeleteRecordIDs forwards a batch delete (vault.RecordIDDeleter).
func (s *Store) DeleteRecordIDs(ctx context.Context, tenant, kind string, ids []string) (int, error) {
	return vault.DeleteRecordIDs(ctx, s.Store, tenant, kind, ids)
}

// DeleteRecordIDs forwards a batch delete (vault.RecordIDDeleter).
func (t *txStore) DeleteRecordIDs(ctx context.Context, tenant, kind string, ids []string) (int, error) {
	return vault.DeleteRecordIDs(ctx, t.Store, tenant, kind, ids)
}
