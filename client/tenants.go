package client

import (
	"context"
	"time"
)

// TenantInput is a tenant to create.
type TenantInput struct {
	// ID is 1-63 lowercase letters, digits, '-' or '_'.
	ID string `json:"id"`
	// Name is a display name; default the id.
	Name string `json:"name,omitempty"`
}

// Tenant is a tenant as the vault lists it.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// DisabledAt is when the tenant was disabled (its keys stopped); nil if live.
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

// TenantList is one page of tenants.
type TenantList struct {
	Items []Tenant `json:"items"`
}

// ListTenants returns one page of every tenant (scope platform:admin).
func (c *Client) ListTenants(ctx context.Context, p Page) (TenantList, error) {
	var out TenantList
	err := c.do(ctx, "GET", "/tenants"+p.query(), nil, &out)
	return out, err
}

// CreateTenant creates a tenant (scope platform:admin).
func (c *Client) CreateTenant(ctx context.Context, in TenantInput) (Tenant, error) {
	var out Tenant
	err := c.do(ctx, "POST", "/tenants", in, &out)
	return out, err
}

// DisableTenant stops every API key of a tenant (on the node that answers at
// once, on the others within their CARDVAULT_TENANT_CACHE_TTL); its data stays
// (scope platform:admin). The caller's own tenant is refused.
func (c *Client) DisableTenant(ctx context.Context, id string) error {
	return c.do(ctx, "POST", "/tenants/"+escape(id)+"/disable", nil, nil)
}

// CreateTenantKey creates an API key in another tenant (scope
// platform:admin). Keep the returned Secret: the vault stores only its hash.
func (c *Client) CreateTenantKey(ctx context.Context, tenant string, in KeyInput) (CreatedKey, error) {
	var out CreatedKey
	err := c.do(ctx, "POST", "/tenants/"+escape(tenant)+"/keys", in, &out)
	return out, err
}
