package vault

import (
	"context"
	"errors"
	"sync"
	"time"
)

// LastUsePrecision is how stale a key's stored last use may be: each node
// writes a key's last use to the store at most once per this interval, so
// a busy key costs one store write a minute per node, not one a request.
// A node's own listing is exact for the uses it saw itself.
const LastUsePrecision = time.Minute

// keyLastUse is the value of a KindKeyLastUse record.
type keyLastUse struct {
	At time.Time `json:"at"`
}

// lastUseRecords stores keys' last uses, sealed like every record.
var lastUseRecords = NewRecordType[keyLastUse](KindKeyLastUse, 1, nil, nil)

// lastUse is a node's in-memory view of its keys' uses: seen is the latest
// use per key, flushed when it last went to the store.
type lastUse struct {
	mu      sync.Mutex
	seen    map[string]time.Time
	flushed map[string]time.Time
}

func newLastUse() *lastUse {
	return &lastUse{seen: map[string]time.Time{}, flushed: map[string]time.Time{}}
}

// touch notes a use of key id at now and reports whether it is due to be
// written to the store (its last write is LastUsePrecision old or more).
func (l *lastUse) touch(id string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen[id] = now
	if f, ok := l.flushed[id]; ok && now.Sub(f) < LastUsePrecision {
		return false
	}
	l.flushed[id] = now
	return true
}

// get returns this node's latest seen use of key id.
func (l *lastUse) get(id string) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[id]
}

// noteKeyUse records a use of k; at most once per LastUsePrecision per key
// it writes the time to the store. A failed write is logged, never fails
// the request: the last use is an operator's hint, not a control.
func (s *Service) noteKeyUse(ctx context.Context, k APIKey, now time.Time) {
	if !s.lastUse.touch(k.ID, now) {
		return
	}
	if err := s.storeKeyUse(ctx, k, now); err != nil {
		s.log.Warn("recording an API key's last use failed", "key", k.ID, "err", err)
	}
}

// storeKeyUse writes at as k's last use unless a later one is stored.
func (s *Service) storeKeyUse(ctx context.Context, k APIKey, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	cur, err := lastUseRecords.Get(ctx, s, k.Tenant, k.ID)
	if errors.Is(err, ErrNotFound) {
		_, err = lastUseRecords.Put(ctx, s, Stored[keyLastUse]{Tenant: k.Tenant, ID: k.ID, Value: keyLastUse{At: at}})
		if errors.Is(err, ErrConflict) {
			return nil // another node wrote it just now
		}
		return err
	}
	if err != nil || !cur.Value.At.Before(at) {
		return err
	}
	cur.Value.At = at
	if _, err = lastUseRecords.Update(ctx, s, cur); errors.Is(err, ErrConflict) {
		return nil
	}
	return err
}

// KeyLastUsed returns when the tenant's key id was last used, as far as
// this node and the store know (zero if never): at most LastUsePrecision
// behind for uses on other nodes, exact for this node's.
func (s *Service) KeyLastUsed(ctx context.Context, tenant, id string) (time.Time, error) {
	at := s.lastUse.get(id)
	r, err := lastUseRecords.Get(ctx, s, tenant, id)
	if errors.Is(err, ErrNotFound) {
		return at, nil
	}
	if err != nil {
		return at, err
	}
	if r.Value.At.After(at) {
		at = r.Value.At
	}
	return at, nil
}
