package vault

import (
	"context"
	"fmt"
	"time"
)

// RecordLocker is a Store whose transactions run side by side (the
// PostgreSQL store, at READ COMMITTED): LockRecord reads a live record by
// kind and id, whatever its tenant, as GetRecord does, and inside a
// transaction holds a shared lock on it until the transaction ends, so
// that a concurrent delete (or update) of that record waits for the
// transaction to commit, and a read that comes after an uncommitted delete
// waits for it and then finds nothing (ErrNotFound). Two readers do not
// wait for each other. A store whose write transactions run one at a time
// (the SQLite store) may answer it with GetRecord. Store wrappers forward
// it.
type RecordLocker interface {
	LockRecord(ctx context.Context, kind, id string, now time.Time) (Record, error)
}

// LockRecord reads a record through st with a shared lock when st is a
// RecordLocker, otherwise with GetRecord.
func LockRecord(ctx context.Context, st Store, kind, id string, now time.Time) (Record, error) {
	if l, ok := st.(RecordLocker); ok {
		return l.LockRecord(ctx, kind, id, now)
	}
	return st.GetRecord(ctx, kind, id, now)
}

// LockRecord forwards to the wrapped store (records carry no integrity tag
// of this wrapper).
func (g *checkedStore) LockRecord(ctx context.Context, kind, id string, now time.Time) (Record, error) {
	return LockRecord(ctx, g.Store, kind, id, now)
}

// GetLocked is Get inside a transaction s that also keeps the record from
// being deleted or changed by another transaction until s ends
// (RecordLocker): a decision that rests on the record existing, such as
// writing a row that belongs to it, then cannot be overtaken by its
// deletion. Writes that update the record need no lock: the versioned
// update locks it. Do not update a record read with GetLocked in the same
// transaction: two such transactions would each wait for the other's lock.
func (rt *RecordType[T]) GetLocked(ctx context.Context, s *Service, tenant, id string) (Stored[T], error) {
	r, err := LockRecord(ctx, s.store, rt.kind, id, s.Now())
	if err != nil {
		return Stored[T]{}, err
	}
	return rt.decodeOf(ctx, s, tenant, r)
}

// Check reports that the tenant's live record id is there and opens under
// its binding, as a read by Get would (a row forged, moved or re-keyed in
// the store is an error, not a record), without decoding its value, and
// returns its clear lookup key, which the binding covers. It is for a
// transaction that needs only to know that the record still exists and
// whose it is; with lock it reads as GetLocked does. Another tenant's
// record is ErrNotFound.
func (rt *RecordType[T]) Check(ctx context.Context, s *Service, tenant, id string, lock bool) (string, error) {
	var r Record
	var err error
	if lock {
		r, err = LockRecord(ctx, s.store, rt.kind, id, s.Now())
	} else {
		r, err = s.store.GetRecord(ctx, rt.kind, id, s.Now())
	}
	if err != nil {
		return "", err
	}
	if r.Tenant != tenant {
		return "", fmt.Errorf("%s record of another tenant: %w", rt.kind, ErrNotFound)
	}
	if _, err := rt.open(ctx, s, r); err != nil {
		return "", err
	}
	return r.Key, nil
}
