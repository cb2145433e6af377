package postgres

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

var _ vault.RecordLocker = (*DB)(nil)

// LockRecord is GetRecord with a shared row lock (FOR SHARE) held until the
// transaction ends (vault.RecordLocker): at READ COMMITTED a plain read
// takes none, so a delete could commit between the read and this
// transaction's commit. Behind a delete that has not committed yet, the
// read waits for it and then finds no row.
func (s *store) LockRecord(ctx context.Context, kind, id string, now time.Time) (vault.Record, error) {
	r, err := scanRecord(s.q.QueryRow(ctx, `SELECT `+recordColumns+` FROM records
		WHERE kind = $1 AND id = $2 AND (expires_at IS NULL OR expires_at > $3) FOR SHARE`, kind, id, ts(now)))
	if err != nil {
		return vault.Record{}, opErr("lock record", err)
	}
	return r, nil
}
