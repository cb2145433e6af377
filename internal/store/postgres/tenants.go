package postgres

import (
	"context"

	"github.com/cardvault/cardvault/internal/vault"
)

// CreateTenant adds a tenant; ErrConflict if its id exists.
func (s *store) CreateTenant(ctx context.Context, t vault.Tenant) error {
	tag, err := s.q.Exec(ctx, `INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, t.ID, t.Name, ts(t.CreatedAt))
	return inserted("create tenant", tag.RowsAffected(), err)
}

// GetTenant returns a tenant or ErrNotFound.
func (s *store) GetTenant(ctx context.Context, id string) (vault.Tenant, error) {
	t, err := scanTenant(s.q.QueryRow(ctx, `SELECT id, name, created_at, disabled_at FROM tenants WHERE id = $1`, id))
	if err != nil {
		return vault.Tenant{}, opErr("get tenant", err)
	}
	return t, nil
}
