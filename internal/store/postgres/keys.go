package postgres

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// InsertKey stores wrapped key material; ErrConflict if (tenant, purpose,
// version) exists.
func (s *store) InsertKey(ctx context.Context, k vault.WrappedKey) error {
	tag, err := s.q.Exec(ctx, `INSERT INTO keys (tenant, purpose, version, wrapped, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		k.Tenant, k.Purpose, int64(k.Version), blob(k.Wrapped), ts(k.CreatedAt))
	return inserted("insert key", tag.RowsAffected(), err)
}

// ListKeys returns a tenant's wrapped keys of one purpose, newest version first.
func (s *store) ListKeys(ctx context.Context, tenant, purpose string) ([]vault.WrappedKey, error) {
	rows, err := s.q.Query(ctx, `SELECT version, wrapped, created_at FROM keys
		WHERE tenant = $1 AND purpose = $2 ORDER BY version DESC`, tenant, purpose)
	keys, err := collect(rows, err, func(sc scanner) (vault.WrappedKey, error) {
		k := vault.WrappedKey{Tenant: tenant, Purpose: purpose}
		var (
			version int64
			created time.Time
		)
		if err := sc.Scan(&version, &k.Wrapped, &created); err != nil {
			return k, err
		}
		k.Version = uint32(version)
		k.Wrapped = unblob(k.Wrapped)
		k.CreatedAt = fromTS(created)
		return k, nil
	})
	if err != nil {
		return nil, opErr("list keys", err)
	}
	return keys, nil
}
