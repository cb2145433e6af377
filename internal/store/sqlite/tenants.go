package sqlite

import (
	"context"

	"github.com/cardvault/cardvault/internal/vault"
)

// CreateTenant adds a tenant; ErrConflict if its id exists.
func (s *store) CreateTenant(ctx context.Context, t vault.Tenant) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)`,
		t.ID, t.Name, micros(t.CreatedAt))
	if err != nil {
		return opErr("create tenant", err)
	}
	return nil
}

// GetTenant returns a tenant or ErrNotFound.
func (s *store) GetTenant(ctx context.Context, id string) (vault.Tenant, error) {
	t, err := scanTenant(s.r.QueryRowContext(ctx, `SELECT id, name, created_at, disabled_at FROM tenants WHERE id = ?`, id))
	if err != nil {
		return vault.Tenant{}, opErr("get tenant", err)
	}
	return t, nil
}
