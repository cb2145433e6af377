package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// recordColumns are the columns scanRecord reads, in order.
const recordColumns = `tenant, kind, id, key, parent, data, version, created_at, updated_at, expires_at`

// liveRecord is the condition, with one parameter (now), that hides expired records.
const liveRecord = `(expires_at IS NULL OR expires_at > ?)`

// hasParent is the condition of the partial index over parents
// (migrations/0006): a query by a set parent states it, word for word, so
// that SQLite knows the index holds every row it could match.
const hasParent = `parent <> ''`

// scanRecord reads one row of recordColumns.
func scanRecord(sc scanner) (vault.Record, error) {
	var (
		r                vault.Record
		key              sql.NullString
		created, updated int64
		expires          sql.NullInt64
	)
	err := sc.Scan(&r.Tenant, &r.Kind, &r.ID, &key, &r.Parent, &r.Data, &r.Version,
		&created, &updated, &expires)
	if err != nil {
		return vault.Record{}, err
	}
	r.Key = key.String
	r.Data = unblob(r.Data)
	r.CreatedAt = fromMicros(created)
	r.UpdatedAt = fromMicros(updated)
	r.ExpiresAt = fromNullMicros(expires)
	return r, nil
}

// CreateRecord stores a record; ErrConflict if (kind, id) exists, or if its
// Key is set and (tenant, kind, key) exists. A Version below 1 is stored as
// 1. A row that had expired by r.CreatedAt does not count: it is deleted and
// the insert retried, so a lookup key can be reused once it expires.
func (s *store) CreateRecord(ctx context.Context, r vault.Record) error {
	err := s.insertRecord(ctx, r)
	if isUnique(err) && !r.CreatedAt.IsZero() {
		res, derr := s.w.ExecContext(ctx, `DELETE FROM records WHERE expires_at <= ?
			AND ((kind = ? AND id = ?) OR (tenant = ? AND kind = ? AND key = ?))`,
			micros(r.CreatedAt), r.Kind, r.ID, r.Tenant, r.Kind, nullString(r.Key))
		if derr != nil {
			return opErr("create record", derr)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			err = s.insertRecord(ctx, r)
		}
	}
	if err != nil {
		return opErr("create record", err)
	}
	return nil
}

// insertRecord inserts r as it is.
func (s *store) insertRecord(ctx context.Context, r vault.Record) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO records (`+recordColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Tenant, r.Kind, r.ID, nullString(r.Key), r.Parent, blob(r.Data), max(r.Version, 1),
		micros(r.CreatedAt), micros(r.UpdatedAt), nullMicros(r.ExpiresAt))
	return err
}

// GetRecord returns a live record by kind and id, whatever its tenant, or ErrNotFound.
func (s *store) GetRecord(ctx context.Context, kind, id string, now time.Time) (vault.Record, error) {
	r, err := scanRecord(s.row(ctx, `SELECT `+recordColumns+` FROM records
		WHERE kind = ? AND id = ? AND `+liveRecord, kind, id, micros(now)))
	if err != nil {
		return vault.Record{}, opErr("get record", err)
	}
	return r, nil
}

// RecordByKey returns a tenant's live record by its unique key or
// ErrNotFound; the empty key matches nothing.
func (s *store) RecordByKey(ctx context.Context, tenant, kind, key string, now time.Time) (vault.Record, error) {
	r, err := scanRecord(s.row(ctx, `SELECT `+recordColumns+` FROM records
		WHERE tenant = ? AND kind = ? AND key = ? AND `+liveRecord, tenant, kind, key, micros(now)))
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
func (s *store) UpdateRecord(ctx context.Context, r vault.Record, now time.Time) (vault.Record, error) {
	out, err := s.updateRecord(ctx, r, now)
	if isUnique(err) && r.Key != "" {
		res, derr := s.w.ExecContext(ctx, `DELETE FROM records
			WHERE tenant = ? AND kind = ? AND key = ? AND id <> ? AND expires_at <= ?`,
			r.Tenant, r.Kind, r.Key, r.ID, micros(now))
		if derr != nil {
			return vault.Record{}, opErr("update record", derr)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			out, err = s.updateRecord(ctx, r, now)
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		// Nothing matched: tell a missing record from a stale version.
		var one int
		err = s.row(ctx, `SELECT 1 FROM records
			WHERE kind = ? AND id = ? AND tenant = ? AND `+liveRecord,
			r.Kind, r.ID, r.Tenant, micros(now)).Scan(&one)
		if err == nil {
			return vault.Record{}, conflict("update record")
		}
	}
	if err != nil {
		return vault.Record{}, opErr("update record", err)
	}
	return out, nil
}

// updateRecord runs the versioned update; sql.ErrNoRows if nothing matched.
func (s *store) updateRecord(ctx context.Context, r vault.Record, now time.Time) (vault.Record, error) {
	return scanRecord(s.w.QueryRowContext(ctx, `UPDATE records SET
		key = ?, parent = ?, data = ?, expires_at = ?, version = version + 1, updated_at = ?
		WHERE kind = ? AND id = ? AND tenant = ? AND version = ? AND `+liveRecord+`
		RETURNING `+recordColumns,
		nullString(r.Key), r.Parent, blob(r.Data), nullMicros(r.ExpiresAt), micros(now),
		r.Kind, r.ID, r.Tenant, r.Version, micros(now)))
}

// DeleteRecord removes a record of the tenant, live or expired; ErrNotFound if absent.
func (s *store) DeleteRecord(ctx context.Context, tenant, kind, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM records WHERE tenant = ? AND kind = ? AND id = ?`,
		tenant, kind, id)
	if err != nil {
		return opErr("delete record", err)
	}
	return oneRow("delete record", res)
}

// ListRecords pages through live records of q's tenant and kind (and parent,
// when set) in id order.
func (s *store) ListRecords(ctx context.Context, q vault.RecordQuery, now time.Time) ([]vault.Record, error) {
	query := `SELECT ` + recordColumns + ` FROM records WHERE tenant = ? AND kind = ? AND id > ? AND ` + liveRecord
	args := []any{q.Tenant, q.Kind, q.After, micros(now)}
	if q.Parent != "" {
		query += ` AND parent = ? AND ` + hasParent
		args = append(args, q.Parent)
	}
	query += ` ORDER BY id LIMIT ?`
	args = append(args, pageLimit(q.Page))
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, opErr("list records", err)
	}
	records, err := collect(rows, scanRecord)
	if err != nil {
		return nil, opErr("list records", err)
	}
	return records, nil
}

// DeleteRecords removes every record, live or expired, of a tenant and kind
// whose Parent equals parent (the empty parent matches records without one)
// and reports how many went.
func (s *store) DeleteRecords(ctx context.Context, tenant, kind, parent string) (int, error) {
	query := `DELETE FROM records WHERE tenant = ? AND kind = ? AND parent = ?`
	if parent != "" {
		query += ` AND ` + hasParent
	}
	res, err := s.w.ExecContext(ctx, query, tenant, kind, parent)
	if err != nil {
		return 0, opErr("delete records", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, opErr("delete records", err)
	}
	return int(n), nil
}
