package postgres

import "context"

// DeleteRecordIDs removes the tenant's records of kind with those ids in
// one statement (vault.RecordIDDeleter; the audit log deletes the pending
// events a batch linked) and reports how many went.
func (s *store) DeleteRecordIDs(ctx context.Context, tenant, kind string, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	tag, err := s.q.Exec(ctx, `DELETE FROM records WHERE tenant = $1 AND kind = $2 AND id = ANY($3)`, tenant, kind, ids)
	if err != nil {
		return 0, opErr("delete records", err)
	}
	return int(tag.RowsAffected()), nil
}
