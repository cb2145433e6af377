package postgres

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// tenantColumns are what a tenant read selects, in scanTenant's order.
const tenantColumns = `id, name, created_at, disabled_at, integrity`

// CreateTenant adds a tenant; ErrConflict if its id exists.
func (s *store) CreateTenant(ctx context.Context, t vault.Tenant) error {
	tag, err := s.q.Exec(ctx, `INSERT INTO tenants (id, name, created_at, integrity) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, t.ID, t.Name, ts(t.CreatedAt), blob(t.Integrity))
	return inserted("create tenant", tag.RowsAffected(), err)
}

// GetTenant returns a tenant or ErrNotFound.
func (s *store) GetTenant(ctx context.Context, id string) (vault.Tenant, error) {
	t, err := scanTenant(s.q.QueryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, id))
	if err != nil {
		return vault.Tenant{}, opErr("get tenant", err)
	}
	return t, nil
}

// ListTenants pages through tenants in id order.
func (s *store) ListTenants(ctx context.Context, p vault.Page) ([]vault.Tenant, error) {
	rows, err := s.q.Query(ctx, `SELECT `+tenantColumns+` FROM tenants
		WHERE id > $1 ORDER BY id LIMIT $2`, p.After, pageLimit(p))
	ts, err := collect(rows, err, scanTenant)
	if err != nil {
		return nil, opErr("list tenants", err)
	}
	return ts, nil
}

// DisableTenant sets DisabledAt and the tag of a tenant not yet disabled
// whose tag is old.
func (s *store) DisableTenant(ctx context.Context, id string, at time.Time, integrity, old []byte) error {
	tag, err := s.q.Exec(ctx, `UPDATE tenants SET disabled_at = $1, integrity = $2
		WHERE id = $3 AND disabled_at IS NULL AND integrity IS NOT DISTINCT FROM $4`, ts(at), blob(integrity), id, blob(old))
	return s.swapped(ctx, "disable tenant", tag, err, `SELECT 1 FROM tenants WHERE id = $1`, id)
}

// TagTenant sets the tag of a tenant that has none.
func (s *store) TagTenant(ctx context.Context, id string, integrity []byte) error {
	tag, err := s.q.Exec(ctx, `UPDATE tenants SET integrity = $1 WHERE id = $2 AND integrity IS NULL`, blob(integrity), id)
	return s.swapped(ctx, "tag tenant", tag, err, `SELECT 1 FROM tenants WHERE id = $1`, id)
}

func scanTenant(sc scanner) (vault.Tenant, error) {
	var (
		t        vault.Tenant
		created  time.Time
		disabled *time.Time
	)
	if err := sc.Scan(&t.ID, &t.Name, &created, &disabled, &t.Integrity); err != nil {
		return t, err
	}
	t.CreatedAt = fromTS(created)
	t.DisabledAt = fromNullTS(disabled)
	return t, nil
}
