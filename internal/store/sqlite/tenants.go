package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// tenantColumns are what a tenant read selects, in scanTenant's order.
const tenantColumns = `id, name, created_at, disabled_at, integrity`

// CreateTenant adds a tenant; ErrConflict if its id exists.
func (s *store) CreateTenant(ctx context.Context, t vault.Tenant) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO tenants (id, name, created_at, integrity) VALUES (?, ?, ?, ?)`,
		t.ID, t.Name, micros(t.CreatedAt), blob(t.Integrity))
	if err != nil {
		return opErr("create tenant", err)
	}
	return nil
}

// GetTenant returns a tenant or ErrNotFound.
func (s *store) GetTenant(ctx context.Context, id string) (vault.Tenant, error) {
	t, err := scanTenant(s.row(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = ?`, id))
	if err != nil {
		return vault.Tenant{}, opErr("get tenant", err)
	}
	return t, nil
}

// ListTenants pages through tenants in id order.
func (s *store) ListTenants(ctx context.Context, p vault.Page) ([]vault.Tenant, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+tenantColumns+` FROM tenants
		WHERE id > ? ORDER BY id LIMIT ?`, p.After, pageLimit(p))
	if err != nil {
		return nil, opErr("list tenants", err)
	}
	ts, err := collect(rows, scanTenant)
	if err != nil {
		return nil, opErr("list tenants", err)
	}
	return ts, nil
}

// DisableTenant sets DisabledAt and the tag of a tenant not yet disabled
// whose tag is old.
func (s *store) DisableTenant(ctx context.Context, id string, at time.Time, integrity, old []byte) error {
	res, err := s.w.ExecContext(ctx, `UPDATE tenants SET disabled_at = ?, integrity = ?
		WHERE id = ? AND disabled_at IS NULL AND integrity IS ?`, micros(at), blob(integrity), id, blob(old))
	return s.swapped(ctx, "disable tenant", res, err, `SELECT 1 FROM tenants WHERE id = ?`, id)
}

// TagTenant sets the tag of a tenant that has none.
func (s *store) TagTenant(ctx context.Context, id string, integrity []byte) error {
	res, err := s.w.ExecContext(ctx, `UPDATE tenants SET integrity = ? WHERE id = ? AND integrity IS NULL`, blob(integrity), id)
	return s.swapped(ctx, "tag tenant", res, err, `SELECT 1 FROM tenants WHERE id = ?`, id)
}

func scanTenant(sc scanner) (vault.Tenant, error) {
	var (
		t        vault.Tenant
		created  int64
		disabled sql.NullInt64
	)
	if err := sc.Scan(&t.ID, &t.Name, &created, &disabled, &t.Integrity); err != nil {
		return t, err
	}
	t.CreatedAt = fromMicros(created)
	t.DisabledAt = fromNullMicros(disabled)
	return t, nil
}
