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
func (a *API) createKey() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := server.Decode[keyRequest](r, true)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		var scopes []vault.Scope
		for _, s := range req.Scopes {
			parsed, err := vault.ParseScopes(string(s))
			if err != nil {
				a.fail(w, r, err)
				return
			}
			scopes = append(scopes, parsed...)
		}
		in := vault.NewAPIKey{Tenant: principal(r).Tenant, Name: req.Name, Scopes: scopes}
		if req.ExpiresAt != nil {
			in.ExpiresAt = *req.ExpiresAt
		}
		k, secret, err := a.vault.CreateAPIKey(r.Context(), in)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if err := a.record(r, "api_key.create", k.ID); err != nil {
			a.fail(w, r, err)
			return
		}
		resp := keyView(k)
		resp.Secret = secret
		server.Encode(w, http.StatusCreated, resp)
	})
}

// listKeys pages through keys without secrets: GET /keys.
func (a *API) listKeys() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := page(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		keys, err := a.vault.ListAPIKeys(r.Context(), principal(r).Tenant, p)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		items := make([]keyResponse, len(keys))
		for i, k := range keys {
			items[i] = keyView(k)
		}
		server.Encode(w, http.StatusOK, map[string]any{"items": items})
	})
}

// revokeKey revokes a key: DELETE /keys/{id}.
func (a *API) revokeKey() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.vault.RevokeAPIKey(r.Context(), principal(r).Tenant, r.PathValue("id")); err != nil {
			a.fail(w, r, err)
			return
		}
		if err := a.record(r, "api_key.revoke", r.PathValue("id")); err != nil {
			a.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
