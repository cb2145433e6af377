package keycache

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// gated is a store whose key lookups are counted and held: a lookup reads
// the store, then waits until release is closed (hold says which lookups
// wait: the n-th lookup waits when hold(n)). The first lookup that is not
// held closes release; read, when not nil, is closed once the first
// lookup has read.
type gated struct {
	vault.Store
	lookups atomic.Int64
	hold    func(n int64) bool
	release chan struct{}
	read    chan struct{}
	once    sync.Once
}

func (g *gated) APIKeyByHash(ctx context.Context, hash []byte) (vault.APIKey, error) {
	n := g.lookups.Add(1)
	k, err := g.Store.APIKeyByHash(ctx, hash)
	if n == 1 && g.read != nil {
		close(g.read)
	}
	if g.hold(n) {
		<-g.release
	} else {
		g.once.Do(func() { close(g.release) })
	}
	return k, err
}

// Concurrent misses for one key make a single store read, whose answer
// every caller gets.
func TestConcurrentMissesShareOneRead(t *testing.T) {
	g := &gated{Store: openSQLite(t), hold: func(int64) bool { return true }, release: make(chan struct{})}
	s := New(g, time.Hour, 0).(*Store)
	k := newKey(t, s, "key_1")
	const callers = 16
	var missed sync.WaitGroup
	missed.Add(callers)
	s.cache.OnMiss = missed.Done
	var done sync.WaitGroup
	for range callers {
		done.Go(func() {
			got, err := s.APIKeyByHash(context.Background(), k.Hash)
			if err != nil || got.ID != k.ID {
				t.Errorf("lookup = %q, %v", got.ID, err)
			}
		})
	}
	missed.Wait() // every caller found nothing cached
	close(g.release)
	done.Wait()
	if n := g.lookups.Load(); n != 1 {
		t.Fatalf("%d concurrent misses reached the store %d times, want 1", callers, n)
	}
}

// A lookup that starts after a revocation on this node never shares a read
// that began before it (and may hold the unrevoked row): it reads the
// store itself and sees the revocation. (Were it to share the held read, it
// would wait for it forever: only a second store read releases the first.)
func TestLookupAfterRevocationDoesNotShareAnEarlierRead(t *testing.T) {
	ctx := context.Background()
	g := &gated{Store: openSQLite(t), hold: func(n int64) bool { return n == 1 },
		release: make(chan struct{}), read: make(chan struct{})}
	s := New(g, time.Hour, 0).(*Store)
	k := newKey(t, s, "key_1")
	early := make(chan vault.APIKey)
	go func() {
		got, _ := s.APIKeyByHash(ctx, k.Hash) // read 1: the live row, held
		early <- got
	}()
	<-g.read
	if err := s.RevokeAPIKey(ctx, k.Tenant, k.ID, time.Unix(1_800_000_000, 0), []byte("tag"), nil); err != nil {
		t.Fatal(err)
	}
	if got := lookup(t, s, k.Hash); got.RevokedAt.IsZero() {
		t.Fatal("a lookup after the revocation got the unrevoked key")
	}
	<-early
	if got := lookup(t, s, k.Hash); got.RevokedAt.IsZero() {
		t.Fatal("the read that began before the revocation was cached")
	}
}
