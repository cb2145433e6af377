package keycache

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/store/storetest"
	"github.com/cardvault/cardvault/internal/vault"
)

// openSQLite opens a real store in a temporary directory.
func openSQLite(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "k.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// The wrapper must keep every promise of the store it wraps.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vault.Store {
		return New(openSQLite(t), DefaultTTL, 0)
	})
}

// counting counts the lookups that reach the store.
type counting struct {
	vault.Store
	lookups atomic.Int64
}

func (c *counting) APIKeyByHash(ctx context.Context, hash []byte) (vault.APIKey, error) {
	c.lookups.Add(1)
	return c.Store.APIKeyByHash(ctx, hash)
}

// clock is a settable time source.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

// node is one vault process's cached view of a shared store.
func node(tb testing.TB, shared vault.Store, ttl time.Duration, maxKeys int, clk *clock) (*Store, *counting) {
	tb.Helper()
	c := &counting{Store: shared}
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return newStore(c, ttl, maxKeys, clk.now), c
}

// newKey stores a live key named id and returns it.
func newKey(tb testing.TB, s vault.Store, id string) vault.APIKey {
	tb.Helper()
	k := vault.APIKey{ID: id, Tenant: "default", Name: id, Scopes: []vault.Scope{vault.ScopeCardsRead},
		Hash: []byte("hash-" + id), CreatedAt: time.Unix(1_700_000_000, 0).UTC()}
	if err := s.CreateAPIKey(context.Background(), k); err != nil {
		tb.Fatal(err)
	}
	return k
}

func lookup(tb testing.TB, s vault.Store, hash []byte) vault.APIKey {
	tb.Helper()
	k, err := s.APIKeyByHash(context.Background(), hash)
	if err != nil {
		tb.Fatalf("APIKeyByHash: %v", err)
	}
	return k
}

func TestRepeatedLookupsReadTheStoreOncePerTTL(t *testing.T) {
	clk := &clock{}
	s, c := node(t, openSQLite(t), 2*time.Second, 0, clk)
	k := newKey(t, s, "key_1")
	for range 10 {
		lookup(t, s, k.Hash)
	}
	if n := c.lookups.Load(); n != 1 {
		t.Fatalf("10 lookups within the TTL reached the store %d times, want 1", n)
	}
	clk.advance(2 * time.Second)
	lookup(t, s, k.Hash)
	if n := c.lookups.Load(); n != 2 {
		t.Fatalf("a lookup after the TTL reached the store %d times in all, want 2", n)
	}
}

func TestRevocationOnThisNodeIsSeenAtOnce(t *testing.T) {
	ctx := context.Background()
	for _, inTx := range []bool{false, true} {
		t.Run(fmt.Sprintf("in transaction %v", inTx), func(t *testing.T) {
			s, _ := node(t, openSQLite(t), time.Hour, 0, &clock{})
			k := newKey(t, s, "key_1")
			lookup(t, s, k.Hash) // cached
			at := time.Unix(1_800_000_000, 0)
			var err error
			if inTx {
				err = s.Tx(ctx, func(tx vault.Store) error { return tx.RevokeAPIKey(ctx, k.Tenant, k.ID, at, []byte("tag"), nil) })
			} else {
				err = s.RevokeAPIKey(ctx, k.Tenant, k.ID, at, []byte("tag"), nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := lookup(t, s, k.Hash); got.RevokedAt.IsZero() {
				t.Fatal("the cache still serves the key as unrevoked after revoking it on this node")
			}
		})
	}
}

// A key whose scopes are cut on this node loses them at once: the cache
// never serves the wider scopes after the change.
func TestScopeChangeOnThisNodeIsSeenAtOnce(t *testing.T) {
	ctx := context.Background()
	for _, inTx := range []bool{false, true} {
		t.Run(fmt.Sprintf("in transaction %v", inTx), func(t *testing.T) {
			s, _ := node(t, openSQLite(t), time.Hour, 0, &clock{})
			k := newKey(t, s, "key_1")
			lookup(t, s, k.Hash) // cached
			changed := k
			changed.Scopes = []vault.Scope{vault.ScopeForward}
			changed.Integrity = []byte("new tag")
			var err error
			if inTx {
				err = s.Tx(ctx, func(tx vault.Store) error { return tx.UpdateAPIKey(ctx, changed, nil) })
			} else {
				err = s.UpdateAPIKey(ctx, changed, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := lookup(t, s, k.Hash); vault.JoinScopes(got.Scopes) != "forward" {
				t.Fatalf("the cache serves scopes %v after they were changed on this node", got.Scopes)
			}
		})
	}
}

// A key revoked on another node keeps working here for at most the TTL:
// the bound docs/security.md states.
func TestRevocationOnAnotherNodeIsSeenWithinTheTTL(t *testing.T) {
	ctx := context.Background()
	shared := openSQLite(t)
	clk := &clock{}
	a, _ := node(t, shared, 2*time.Second, 0, clk)
	b, _ := node(t, shared, 2*time.Second, 0, clk)
	k := newKey(t, a, "key_1")
	lookup(t, a, k.Hash) // node a caches the live key
	if err := b.RevokeAPIKey(ctx, k.Tenant, k.ID, time.Unix(1_800_000_000, 0), []byte("tag"), nil); err != nil {
		t.Fatal(err)
	}
	if got := lookup(t, b, k.Hash); got.RevokedAt.IsZero() {
		t.Fatal("the revoking node serves the key as unrevoked")
	}
	clk.advance(2*time.Second - time.Nanosecond)
	if got := lookup(t, a, k.Hash); !got.RevokedAt.IsZero() {
		t.Fatal("node a reread the store before its TTL was up (the test's premise is wrong)")
	}
	clk.advance(time.Nanosecond)
	if got := lookup(t, a, k.Hash); got.RevokedAt.IsZero() {
		t.Fatal("node a serves a key revoked elsewhere longer than the TTL")
	}
}

// Unknown hashes are never cached: spraying random secrets neither fills
// the cache nor hides a key created a moment later.
func TestUnknownKeysAreNotCached(t *testing.T) {
	s, c := node(t, openSQLite(t), time.Hour, 5, &clock{})
	for i := range 50 {
		if _, err := s.APIKeyByHash(context.Background(), fmt.Appendf(nil, "random-%d", i)); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("unknown hash: %v, want ErrNotFound", err)
		}
	}
	if n := s.cache.Len(); n != 0 {
		t.Fatalf("%d unknown hashes cached", n)
	}
	if n := c.lookups.Load(); n != 50 {
		t.Fatalf("50 unknown lookups reached the store %d times", n)
	}
	if _, err := s.APIKeyByHash(context.Background(), []byte("hash-key_new")); !errors.Is(err, vault.ErrNotFound) {
		t.Fatal(err)
	}
	k := newKey(t, s, "key_new")
	if got := lookup(t, s, k.Hash); got.ID != k.ID {
		t.Fatalf("got %q", got.ID)
	}
}

func TestCacheHoldsAtMostMaxKeys(t *testing.T) {
	clk := &clock{}
	s, _ := node(t, openSQLite(t), time.Hour, 3, clk)
	for i := range 10 {
		k := newKey(t, s, fmt.Sprintf("key_%d", i))
		lookup(t, s, k.Hash)
		if n := s.cache.Len(); n > 3 {
			t.Fatalf("cache holds %d keys, bound 3", n)
		}
	}
	clk.advance(time.Hour) // all expired: the next insert sweeps them
	k := newKey(t, s, "key_last")
	lookup(t, s, k.Hash)
	if n := s.cache.Len(); n != 1 {
		t.Fatalf("after expiry and one insert the cache holds %d keys, want 1", n)
	}
}

func TestCallersCannotChangeACachedKey(t *testing.T) {
	s, _ := node(t, openSQLite(t), time.Hour, 0, &clock{})
	k := newKey(t, s, "key_1")
	got := lookup(t, s, k.Hash)
	got.Scopes[0] = vault.ScopeAdmin
	got.Hash[0] ^= 0xff
	again := lookup(t, s, k.Hash)
	if again.Scopes[0] != vault.ScopeCardsRead || string(again.Hash) != string(k.Hash) {
		t.Fatalf("a caller's change reached the cache: %v %q", again.Scopes, again.Hash)
	}
}

func TestZeroTTLTurnsTheCacheOff(t *testing.T) {
	db := openSQLite(t)
	if s := New(db, 0, 0); s != vault.Store(db) {
		t.Fatal("New with ttl 0 wrapped the store")
	}
}
