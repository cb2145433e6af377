package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/cardvault/cardvault/internal/vault"
)

// Tenants is the tenant service the tenants page manages; nil leaves the
// page out. Only a session of a platform:admin key reaches it.
type Tenants interface {
	ListTenants(ctx context.Context, p vault.Page) ([]vault.Tenant, error)
	CreateTenant(ctx context.Context, id, name string) (vault.Tenant, error)
	DisableTenant(ctx context.Context, id string) error
}

// platformOnly refuses (as an unknown page, audited) a session whose key
// lacks vault.ScopePlatformAdmin, or a console built without Tenants: a
// tenant's admin does not learn that other tenants exist.
func (c *Console) platformOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		if c.d.Tenants == nil || !ss.principal.Can(vault.ScopePlatformAdmin) {
			_ = c.record(r, ss.principal.Tenant, ss.principal.KeyID, "console.refused", map[string]string{"reason": "not a platform admin"})
			c.refuse(w, r, http.StatusNotFound, "There is no such page.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tenantsData is the tenants page.
type tenantsData struct {
	Tenants []vault.Tenant
	Self    string
}

// tenantsPage lists every tenant.
func (c *Console) tenantsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.showTenants(w, r, http.StatusOK, "", "")
	})
}

// showTenants renders the tenants page (the first 1000) with a message.
func (c *Console) showTenants(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	d := tenantsData{Self: sessionFrom(r.Context()).principal.Tenant}
	for after := ""; len(d.Tenants) < 1000; {
		page, err := c.d.Tenants.ListTenants(r.Context(), vault.Page{After: after, Limit: 100})
		if err != nil {
			c.refuse(w, r, http.StatusServiceUnavailable, "The tenants could not be listed; the store did not answer.")
			return
		}
		d.Tenants = append(d.Tenants, page...)
		if len(page) < 100 {
			break
		}
		after = page[len(page)-1].ID
	}
	c.render(w, r, status, "tenants", view{Title: "Tenants", Nav: "tenants", Error: errMsg, Notice: notice, Data: d})
}

// createTenant creates a tenant, audited as tenant.create in its chain.
func (c *Console) createTenant() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		id, name := strings.TrimSpace(r.PostForm.Get("id")), strings.TrimSpace(r.PostForm.Get("name"))
		if name == "" {
			name = id
		}
		if len(name) > 100 {
			c.showTenants(w, r, http.StatusBadRequest, "The name must be at most 100 characters.", "")
			return
		}
		t, err := c.d.Tenants.CreateTenant(r.Context(), id, name)
		if err != nil {
			c.showTenants(w, r, http.StatusBadRequest, "The tenant could not be created: "+vault.AsError(err).Public, "")
			return
		}
		if err := c.record(r, t.ID, ss.principal.KeyID, "tenant.create", map[string]string{"via": "console"}, t.ID); err != nil {
			c.showTenants(w, r, http.StatusInternalServerError, "The tenant was created, but the audit event could not be written.", "")
			return
		}
		c.showTenants(w, r, http.StatusCreated, "", "Tenant "+t.ID+" created. Create its first key with POST /cardvault/v1/tenants/"+t.ID+"/keys or cardvault keys create --tenant "+t.ID+".")
	})
}

// disableTenant disables a tenant (never the operator's own), audited as
// tenant.disable in its chain.
func (c *Console) disableTenant() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		id := r.PathValue("id")
		if id == ss.principal.Tenant {
			c.showTenants(w, r, http.StatusBadRequest, "You cannot disable your own tenant here; use `cardvault tenants disable`.", "")
			return
		}
		if err := c.d.Tenants.DisableTenant(r.Context(), id); err != nil {
			c.showTenants(w, r, http.StatusNotFound, "The tenant could not be disabled: "+vault.AsError(err).Public, "")
			return
		}
		if err := c.record(r, id, ss.principal.KeyID, "tenant.disable", map[string]string{"via": "console"}, id); err != nil {
			c.showTenants(w, r, http.StatusInternalServerError, "The tenant was disabled, but the audit event could not be written.", "")
			return
		}
		http.Redirect(w, r, Prefix+"/tenants", http.StatusSeeOther)
	})
}
