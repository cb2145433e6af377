package vault

import "context"

// TenantLister lists tenants a page at a time, in id order; every Store is
// one.
type TenantLister interface {
	ListTenants(ctx context.Context, p Page) ([]Tenant, error)
}

// eachTenantPage is how many tenants EachTenant reads at a time.
const eachTenantPage = 500

// EachTenant calls fn for every tenant of s, in id order, reading a page
// at a time, and stops at the first error that listing or fn returns.
func EachTenant(ctx context.Context, s TenantLister, fn func(Tenant) error) error {
	for p := (Page{Limit: eachTenantPage}); ; {
		page, err := s.ListTenants(ctx, p)
		if err != nil {
			return err
		}
		for _, t := range page {
			if err := fn(t); err != nil {
				return err
			}
		}
		if len(page) < p.Limit {
			return nil
		}
		p.After = page[len(page)-1].ID
	}
}
