package keycache

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

var (
	_ vault.RecordLocker = (*Store)(nil)
	_ vault.RecordLocker = (*txStore)(nil)
)

// LockRecord forwards a locking read (vault.RecordLocker).
func (s *Store) LockRecord(ctx context.Context, kind, id string, now time.Time) (vault.Record, error) {
	return vault.LockRecord(ctx, s.Store, kind, id, now)
}

// LockRecord forwards a locking read in the transaction (vault.RecordLocker).
func (t *txStore) LockRecord(ctx context.Context, kind, id string, now time.Time) (vault.Record, error) {
	return vault.LockRecord(ctx, t.Store, kind, id, now)
}
