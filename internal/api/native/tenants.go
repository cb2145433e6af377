package native

import (
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// The tenant admin API: every route needs vault.ScopePlatformAdmin, which
// a tenant's admin scope does not include.

// tenantRequest is the body of POST /tenants.
type tenantRequest struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// tenantResponse shows a tenant.
type tenantResponse struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

// tenantView renders a tenant.
func tenantView(t vault.Tenant) tenantResponse {
	out := tenantResponse{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt}
	if !t.DisabledAt.IsZero() {
		out.DisabledAt = &t.DisabledAt
	}
	return out
}

// recordFor audits an action of the caller in tenant's chain (the tenant
// acted on, which may not be the caller's).
func (a *API) recordFor(r *http.Request, tenant, action string, targets ...string) error {
	return a.audit.Record(r.Context(), audit.Event{Tenant: tenant, Actor: server.Principal(r).KeyID, Action: action,
		Targets: targets, RequestID: server.RequestIDFrom(r.Context())})
}

// createTenant creates a tenant with its keys: POST /tenants.
func (a *API) createTenant(w http.ResponseWriter, r *http.Request) error {
	req, err := server.Decode[tenantRequest](r, true)
	if err != nil {
		return err
	}
	if len(req.Name) > 100 {
		return vault.Invalid("name", "name must be at most 100 characters")
	}
	if req.Name == "" {
		req.Name = req.ID
	}
	t, err := a.vault.CreateTenant(r.Context(), req.ID, req.Name)
	if err != nil {
		return err
	}
	if err := a.recordFor(r, t.ID, "tenant.create", t.ID); err != nil {
		return err
	}
	server.Encode(w, http.StatusCreated, tenantView(t))
	return nil
}

// listTenants pages through every tenant: GET /tenants.
func (a *API) listTenants(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	ts, err := a.vault.ListTenants(r.Context(), p)
	if err != nil {
		return err
	}
	items := make([]tenantResponse, len(ts))
	for i, t := range ts {
		items[i] = tenantView(t)
	}
	server.Encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// disableTenant stops every key of a tenant: POST /tenants/{id}/disable.
// The caller's own tenant is refused, so the operator cannot lock
// themselves out through the API.
func (a *API) disableTenant(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if id == server.Principal(r).Tenant {
		return vault.Invalid("id", "a key cannot disable its own tenant; use `cardvault tenants disable`")
	}
	if err := a.vault.DisableTenant(r.Context(), id); err != nil {
		return err
	}
	if err := a.recordFor(r, id, "tenant.disable", id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// createTenantKey makes an API key of another tenant and shows its secret
// once: POST /tenants/{id}/keys.
func (a *API) createTenantKey(w http.ResponseWriter, r *http.Request) error {
	return a.makeKey(w, r, r.PathValue("id"), a.recordFor)
}
