package sqlite

import (
	"context"

	"github.com/cardvault/cardvault/internal/vault"
)

// InsertKey stores wrapped key material; ErrConflict if (tenant, purpose,
// version) exists.
func (s *store) InsertKey(ctx context.Context, k vault.WrappedKey) error {
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO keys (tenant, purpose, version, wrapped, created_at) VALUES (?, ?, ?, ?, ?)`,
		k.Tenant, k.Purpose, int64(k.Version), blob(k.Wrapped), micros(k.CreatedAt))
	if err != nil {
		return opErr("insert key", err)
	}
	return nil
}

// ListKeys returns a tenant's wrapped keys of one purpose, newest version first.
func (s *store) ListKeys(ctx context.Context, tenant, purpose string) ([]vault.WrappedKey, error) {
	rows, err := s.r.QueryContext(ctx,
		`SELECT version, wrapped, created_at FROM keys
		WHERE tenant = ? AND purpose = ? ORDER BY version DESC`, tenant, purpose)
	if err != nil {
		return nil, opErr("list keys", err)
	}
	keys, err := collect(rows, func(sc scanner) (vault.WrappedKey, error) {
		k := vault.WrappedKey{Tenant: tenant, Purpose: purpose}
		var version, created int64
		if err := sc.Scan(&version, &k.Wrapped, &created); err != nil {
			return k, err
		}
		k.Version = uint32(version)
		k.Wrapped = unblob(k.Wrapped)
		k.CreatedAt = fromMicros(created)
		return k, nil
	})
	if err != nil {
		return nil, opErr("list keys", err)
	}
	return keys, nil
}
