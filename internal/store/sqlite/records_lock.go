package sqlite

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

var _ vault.RecordLocker = (*DB)(nil)

// LockRecord is GetRecord (vault.RecordLocker): every transaction runs on
// the one writer connection, one after another (IMMEDIATE, group-committed
// in savepoints), so nothing else writes between a transaction's read and
// its commit, and no lock is needed. It is here so that wrappers can be
// checked to forward the method on every store.
func (s *store) LockRecord(ctx context.Context, kind, id string, now time.Time) (vault.Record, error) {
	return s.GetRecord(ctx, kind, id, now)
}
