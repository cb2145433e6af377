package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/jackc/pgx/v5/pgconn"
)

// Checked held writes. In the AtCommit view a versioned UpdateRecord (of a
// record without a Key) and DeleteRecordIDs are held like new rows, but
// their answer, how many rows they matched, is what the caller relies on
// (the audit log's head moves only from the version it read; a pending
// event it linked must still be there to delete). So the server checks it:
// each goes out as a statement that matches its rows and then divides by
// whether the count was the one expected, which raises division_by_zero
// when it was not. That error aborts the transaction, the server ignores
// the rest of the batch and the COMMIT, and the store reports ErrConflict.
// Nothing else the store sends divides, so the SQLSTATE names only this.

// staleCheck is the SQLSTATE a checked held write raises when it matched
// other than the rows it expected: division_by_zero, from the check.
const staleCheck = "22012"

// isStaleCheck reports whether err is a checked held write's check failing.
func isStaleCheck(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == staleCheck
}

// heldUpdateSQL is updateRecord's versioned UPDATE, raising staleCheck
// when no live row of that version matched ((kind, id) is unique, so the
// count is 0 or 1).
const heldUpdateSQL = `WITH u AS (UPDATE records SET
		key = $1, parent = $2, data = $3, expires_at = $4, version = version + 1, updated_at = $5
		WHERE kind = $6 AND id = $7 AND tenant = $8 AND version = $9
		AND (expires_at IS NULL OR expires_at > $5)
		RETURNING 1)
	SELECT 1 / count(*)::int FROM u`

// heldDeleteSQL is DeleteRecordIDs' DELETE, raising staleCheck unless it
// removed $4 rows (the number of distinct ids).
const heldDeleteSQL = `WITH d AS (DELETE FROM records WHERE tenant = $1 AND kind = $2 AND id = ANY($3) RETURNING 1)
	SELECT 1 / (count(*) = $4::bigint)::int FROM d`

// holdUpdate holds a versioned update of r (without a Key) and returns the
// record as it will be stored: one version on, updated at now. When no
// live record of r's tenant, kind, id and version is there when it goes
// out, the transaction fails with ErrConflict (ErrNotFound too becomes
// ErrConflict: the caller reads again and finds it gone).
func (s *store) holdUpdate(r vault.Record, now time.Time) vault.Record {
	s.tx.holdChecked("update record", heldUpdateSQL, []any{nullString(r.Key), r.Parent, blob(r.Data),
		nullTS(r.ExpiresAt), ts(now), r.Kind, r.ID, r.Tenant, r.Version})
	r.Version++
	r.UpdatedAt = now
	return r
}

// holdDeleteIDs holds the deletion of the tenant's records of kind with
// those ids and reports how many distinct ids there are: all of them go,
// or the transaction fails with ErrConflict when one was already gone.
func (s *store) holdDeleteIDs(tenant, kind string, ids []string) int {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	s.tx.holdChecked("delete records", heldDeleteSQL, []any{tenant, kind, ids, int64(len(ids))})
	return len(ids)
}

// DeleteRecordIDs removes the tenant's records of kind with those ids in
// one statement (vault.RecordIDDeleter; the audit log deletes the pending
// events a batch linked) and reports how many went. In the AtCommit view
// the statement is held and checked (holdDeleteIDs): it reports every
// distinct id, and the transaction fails with ErrConflict if one was gone.
func (s *store) DeleteRecordIDs(ctx context.Context, tenant, kind string, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	if s.hold {
		return s.holdDeleteIDs(tenant, kind, ids), nil
	}
	tag, err := s.q.Exec(ctx, `DELETE FROM records WHERE tenant = $1 AND kind = $2 AND id = ANY($3)`, tenant, kind, ids)
	if err != nil {
		return 0, opErr("delete records", err)
	}
	return int(tag.RowsAffected()), nil
}
