package postgres

import (
	"context"
	"hash/fnv"
	"time"
)

// cleanerLock returns the advisory lock key that lets one node at a time
// delete expired rows of one schema.
func cleanerLock(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("cardvault/clean-expired/" + schema))
	return int64(h.Sum64())
}

// DeleteExpired removes up to limit expired cards and records, like the
// store's, but only on the node that holds the clean-up lock: each batch
// runs in a transaction that first tries a transaction-scoped advisory lock,
// and when another node holds it this one deletes nothing and reports 0.
// The lock goes with the transaction, so a node that dies mid-batch
// releases it with its connection and the next node's tick takes over. A
// transaction-scoped lock also works behind PgBouncer in transaction mode,
// where session locks do not.
func (db *DB) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, func(s *store) error {
		var got bool
		if err := s.q.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, cleanerLock(db.schema)).Scan(&got); err != nil {
			return opErr("clean-up lock", err)
		}
		if !got {
			return nil
		}
		var err error
		n, err = s.DeleteExpired(ctx, now, limit)
		return err
	})
	return n, err
}
