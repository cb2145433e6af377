package native

import (
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// keyRequest is the body of POST /keys.
type keyRequest struct {
	Name      string        `json:"name"`
	Scopes    []vault.Scope `json:"scopes"`
	ExpiresAt *time.Time    `json:"expires_at"`
}

// keyResponse shows a key; Secret only on create.
type keyResponse struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Scopes    []vault.Scope `json:"scopes"`
	Secret    string        `json:"secret,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	ExpiresAt *time.Time    `json:"expires_at,omitempty"`
	RevokedAt *time.Time    `json:"revoked_at,omitempty"`
	// LastUsedAt is when the key last authenticated a request, to
	// vault.LastUsePrecision across nodes; absent if never.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// keyView renders a key without its hash.
func keyView(k vault.APIKey) keyResponse {
	out := keyResponse{ID: k.ID, Name: k.Name, Scopes: k.Scopes, CreatedAt: k.CreatedAt}
	if !k.ExpiresAt.IsZero() {
		out.ExpiresAt = &k.ExpiresAt
	}
	if !k.RevokedAt.IsZero() {
		out.RevokedAt = &k.RevokedAt
	}
	return out
}

// createKey makes an API key and shows its secret once: POST /keys.
func (a *API) createKey(w http.ResponseWriter, r *http.Request) error {
	return a.makeKey(w, r, server.Principal(r).Tenant, a.recordFor)
}

// makeKey creates a key of tenant from the request and audits it with
// record; only a platform admin can grant the platform admin scope.
func (a *API) makeKey(w http.ResponseWriter, r *http.Request, tenant string,
	record func(r *http.Request, tenant, action string, targets ...string) error) error {
	req, err := server.Decode[keyRequest](r, true)
	if err != nil {
		return err
	}
	var scopes []vault.Scope
	for _, s := range req.Scopes {
		parsed, err := vault.ParseScopes(string(s))
		if err != nil {
			return err
		}
		scopes = append(scopes, parsed...)
	}
	if err := server.Principal(r).CanGrant(scopes); err != nil {
		return err
	}
	in := vault.NewAPIKey{Tenant: tenant, Name: req.Name, Scopes: scopes}
	if req.ExpiresAt != nil {
		in.ExpiresAt = *req.ExpiresAt
	}
	k, secret, err := a.vault.CreateAPIKey(r.Context(), in)
	if err != nil {
		return err
	}
	if err := record(r, tenant, "api_key.create", k.ID); err != nil {
		return err
	}
	resp := keyView(k)
	resp.Secret = secret
	server.Encode(w, http.StatusCreated, resp)
	return nil
}

// listKeys pages through keys without secrets: GET /keys.
func (a *API) listKeys(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	keys, err := a.vault.ListAPIKeys(r.Context(), server.Principal(r).Tenant, p)
	if err != nil {
		return err
	}
	items := make([]keyResponse, len(keys))
	for i, k := range keys {
		items[i] = keyView(k)
		at, err := a.vault.KeyLastUsed(r.Context(), k.Tenant, k.ID)
		if err != nil {
			return err
		}
		if !at.IsZero() {
			items[i].LastUsedAt = &at
		}
	}
	server.Encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// revokeKey revokes a key: DELETE /keys/{id}.
func (a *API) revokeKey(w http.ResponseWriter, r *http.Request) error {
	if err := a.vault.RevokeAPIKey(r.Context(), server.Principal(r).Tenant, r.PathValue("id")); err != nil {
		return err
	}
	if err := a.record(r, "api_key.revoke", r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
