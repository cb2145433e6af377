package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/jackc/pgx/v5"
)

// recordColumns are the columns scanRecord reads, in order.
const recordColumns = `tenant, kind, id, key, parent, data, version, created_at, updated_at, expires_at`

// scanRecord reads one row of recordColumns.
func scanRecord(sc scanner) (vault.Record, error) {
	var (
		r                vault.Record
		key              *string
		created, updated time.Time
		expires          *time.Time
	)
	err := sc.Scan(&r.Tenant, &r.Kind, &r.ID, &key, &r.Parent, &r.Data, &r.Version,
		&created, &updated, &expires)
	if err != nil {
		return vault.Record{}, err
	}
	if key != nil {
		r.Key = *key
	}
	r.Data = unblob(r.Data)
	r.CreatedAt = fromTS(created)
	r.UpdatedAt = fromTS(updated)
	r.ExpiresAt = fromNullTS(expires)
	return r, nil
}

// CreateRecord stores a record; ErrConflict if (kind, id) exists, or if its
// Key is set and (tenant, kind, key) exists. A Version below 1 is stored as
// 1. A row that had expired by r.CreatedAt does not count: it is deleted and
// the insert retried, so a lookup key can be reused once it expires.
//
// In the AtCommit view a record without a Key is held (vault.CommitHolder);
// an expired holder of its id is then not replaced.
func (s *store) CreateRecord(ctx context.Context, r vault.Record) error {
	if s.hold && r.Key == "" {
		s.tx.hold("create record", insertRecordHeldSQL, insertRecordArgs(r))
		return nil
	}
	n, err := s.insertRecord(ctx, r)
	if err == nil && n == 0 && !r.CreatedAt.IsZero() {
		tag, derr := s.q.Exec(ctx, `DELETE FROM records WHERE expires_at <= $1
			AND ((kind = $2 AND id = $3) OR (tenant = $4 AND kind = $2 AND key = $5))`,
			ts(r.CreatedAt), r.Kind, r.ID, r.Tenant, nullString(r.Key))
		if derr != nil {
			return opErr("create record", derr)
		}
		if tag.RowsAffected() > 0 {
			n, err = s.insertRecord(ctx, r)
		}
	}
	return inserted("create record", n, err)
}

// insertRecord inserts r unless one of its unique keys is taken, and
// reports how many rows went in.
func (s *store) insertRecord(ctx context.Context, r vault.Record) (int64, error) {
	tag, err := s.q.Exec(ctx, insertRecordSQL, insertRecordArgs(r)...)
	return tag.RowsAffected(), err
}

// GetRecord returns a live record by kind and id, whatever its tenant, or ErrNotFound.
func (s *store) GetRecord(ctx context.Context, kind, id string, now time.Time) (vault.Record, error) {
	r, err := scanRecord(s.q.QueryRow(ctx, `SELECT `+recordColumns+` FROM records
		WHERE kind = $1 AND id = $2 AND (expires_at IS NULL OR expires_at > $3)`, kind, id, ts(now)))
	if err != nil {
		return vault.Record{}, opErr("get record", err)
	}
	return r, nil
}

// RecordByKey returns a tenant's live record by its unique key or
// ErrNotFound; the empty key matches nothing.
func (s *store) RecordByKey(ctx context.Context, tenant, kind, key string, now time.Time) (vault.Record, error) {
	r, err := scanRecord(s.q.QueryRow(ctx, `SELECT `+recordColumns+` FROM records
		WHERE tenant = $1 AND kind = $2 AND key = $3 AND (expires_at IS NULL OR expires_at > $4)`,
		tenant, kind, key, ts(now)))
	if err != nil {
		return vault.Record{}, opErr("record by key", err)
	}
	return r, nil
}

// UpdateRecord replaces a live record's Key, Parent, Data and ExpiresAt when
// its tenant is r.Tenant and its stored Version equals r.Version, sets
// UpdatedAt to now, bumps the version and returns the stored result.
// ErrNotFound if absent; ErrConflict if the version moved on or the new key
// is held by another live record (an expired holder is deleted).
//
// In the AtCommit view an update of a record without a Key is held and
// checked on the server (held.go): it returns the record as it will be
// stored, and the transaction fails with ErrConflict when the record is
// not there at that version.
func (s *store) UpdateRecord(ctx context.Context, r vault.Record, now time.Time) (vault.Record, error) {
	if s.hold && r.Key == "" {
		return s.holdUpdate(r, now), nil
	}
	out, err := s.updateRecord(ctx, r, now)
	if isUnique(err) {
		tag, derr := s.q.Exec(ctx, `DELETE FROM records
			WHERE tenant = $1 AND kind = $2 AND key = $3 AND id <> $4 AND expires_at <= $5`,
			r.Tenant, r.Kind, r.Key, r.ID, ts(now))
		if derr != nil {
			return vault.Record{}, opErr("update record", derr)
		}
		if tag.RowsAffected() > 0 {
			out, err = s.updateRecord(ctx, r, now)
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		// Nothing matched: tell a missing record from a stale version.
		var one int
		err = s.q.QueryRow(ctx, `SELECT 1 FROM records
			WHERE kind = $1 AND id = $2 AND tenant = $3 AND (expires_at IS NULL OR expires_at > $4)`,
			r.Kind, r.ID, r.Tenant, ts(now)).Scan(&one)
		if err == nil {
			return vault.Record{}, conflict("update record")
		}
	}
	if err != nil {
		return vault.Record{}, opErr("update record", err)
	}
	return out, nil
}

// updateRecord runs the versioned update; pgx.ErrNoRows if nothing
// matched. Only a new key can violate a constraint, so only then is the
// statement run in a savepoint.
func (s *store) updateRecord(ctx context.Context, r vault.Record, now time.Time) (vault.Record, error) {
	const query = `UPDATE records SET
		key = $1, parent = $2, data = $3, expires_at = $4, version = version + 1, updated_at = $5
		WHERE kind = $6 AND id = $7 AND tenant = $8 AND version = $9
		AND (expires_at IS NULL OR expires_at > $5)
		RETURNING ` + recordColumns
	args := []any{nullString(r.Key), r.Parent, blob(r.Data), nullTS(r.ExpiresAt), ts(now),
		r.Kind, r.ID, r.Tenant, r.Version}
	if r.Key == "" {
		return scanRecord(s.q.QueryRow(ctx, query, args...))
	}
	var out vault.Record
	err := s.guarded(ctx, func(q querier) error {
		var err error
		out, err = scanRecord(q.QueryRow(ctx, query, args...))
		return err
	})
	return out, err
}

// DeleteRecord removes a record of the tenant, live or expired; ErrNotFound if absent.
func (s *store) DeleteRecord(ctx context.Context, tenant, kind, id string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM records WHERE tenant = $1 AND kind = $2 AND id = $3`,
		tenant, kind, id)
	if err != nil {
		return opErr("delete record", err)
	}
	return affected("delete record", tag)
}

// ListRecords pages through live records of q's tenant and kind (and parent,
// when set) in id order.
func (s *store) ListRecords(ctx context.Context, q vault.RecordQuery, now time.Time) ([]vault.Record, error) {
	query := `SELECT ` + recordColumns + ` FROM records
		WHERE tenant = $1 AND kind = $2 AND id > $3 AND (expires_at IS NULL OR expires_at > $4)`
	args := []any{q.Tenant, q.Kind, q.After, ts(now), pageLimit(q.Page)}
	if q.Parent != "" {
		query += ` AND parent = $6`
		args = append(args, q.Parent)
	}
	query += ` ORDER BY id LIMIT $5`
	rows, err := s.q.Query(ctx, query, args...)
	records, err := collect(rows, err, scanRecord)
	if err != nil {
		return nil, opErr("list records", err)
	}
	return records, nil
}

// DeleteRecords removes every record, live or expired, of a tenant and kind
// whose Parent equals parent (the empty parent matches records without one)
// and reports how many went.
func (s *store) DeleteRecords(ctx context.Context, tenant, kind, parent string) (int, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM records WHERE tenant = $1 AND kind = $2 AND parent = $3`,
		tenant, kind, parent)
	if err != nil {
		return 0, opErr("delete records", err)
	}
	return int(tag.RowsAffected()), nil
}
