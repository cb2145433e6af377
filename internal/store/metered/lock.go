package metered

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

var _ vault.RecordLocker = (*Store)(nil)

// LockRecord times a locking read (vault.RecordLocker), forwarded so that
// the lock is not lost behind the wrapper.
func (s *Store) LockRecord(ctx context.Context, kind, id string, now time.Time) (vault.Record, error) {
	return timed(s, "lock_record", func() (vault.Record, error) { return vault.LockRecord(ctx, s.next, kind, id, now) })
}
