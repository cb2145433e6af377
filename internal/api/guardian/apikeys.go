package guardian

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// keyRequest is the body of POST /api/admin/api-keys.
type keyRequest struct {
	Scopes         []string        `json:"scopes"`
	ExpirationTime json.RawMessage `json:"expiration_time"`
	ExpiresIn      json.RawMessage `json:"expires_in"`
}

// keyResponse is an API key; KeyValue only on create, Masked otherwise.
type keyResponse struct {
	ID        string     `json:"id"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	KeyValue  string     `json:"key_value,omitempty"`
	Masked    string     `json:"masked_key_value,omitempty"`
	Scopes    []string   `json:"scopes"`
}

// maskedKey stands for every key's value once it is made: the vault keeps
// only a hash of the secret, so not even a part of it can be shown again.
const maskedKey = "cvk_****************"

// keyView renders a key without its secret.
func keyView(k vault.APIKey) keyResponse {
	out := keyResponse{ID: k.ID, CreatedAt: k.CreatedAt, Scopes: showScopes(k.Scopes), Masked: maskedKey}
	if !k.ExpiresAt.IsZero() {
		out.ExpiresAt = &k.ExpiresAt
	}
	return out
}

// createKey makes an API key and shows its secret once: POST /api/admin/api-keys.
func (a *API) createKey(w http.ResponseWriter, r *http.Request) error {
	req, err := server.Decode[keyRequest](r, false)
	if err != nil {
		return err
	}
	scopes, err := parseScopes(req.Scopes)
	if err != nil {
		return err
	}
	lifetime, err := parseLifetime(req.ExpirationTime, req.ExpiresIn, maxKeyLifetime)
	if err != nil {
		return err
	}
	in := vault.NewAPIKey{Tenant: server.Principal(r).Tenant, Scopes: scopes}
	if lifetime > 0 {
		in.ExpiresAt = a.vault.Now().Add(time.Duration(lifetime) * time.Second)
	}
	k, secret, err := a.vault.CreateAPIKey(r.Context(), in)
	if err != nil {
		return err
	}
	if err := a.record(r, "api_key.create", nil, k.ID); err != nil {
		return err
	}
	out := keyView(k)
	out.KeyValue, out.Masked = secret, ""
	server.Encode(w, http.StatusOK, out)
	return nil
}

// listKeys pages through the tenant's live keys: GET /api/admin/api-keys.
func (a *API) listKeys(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r, false)
	if err != nil {
		return err
	}
	keys, err := a.vault.ListAPIKeys(r.Context(), server.Principal(r).Tenant, p)
	if err != nil {
		return err
	}
	out := listResponse[keyResponse]{Data: []keyResponse{}}
	for _, k := range keys {
		if k.RevokedAt.IsZero() {
			out.Data = append(out.Data, keyView(k))
		}
	}
	last := ""
	if len(keys) > 0 {
		last = keys[len(keys)-1].ID
	}
	out.Links.Next = a.nextURL(r, p, last)
	server.Encode(w, http.StatusOK, out)
	return nil
}

// getKey shows one live key: GET /api/admin/api-keys/{id}.
func (a *API) getKey(w http.ResponseWriter, r *http.Request) error {
	k, err := a.vault.GetAPIKey(r.Context(), server.Principal(r).Tenant, r.PathValue("id"))
	if err == nil && !k.RevokedAt.IsZero() {
		err = vault.ErrNotFound
	}
	if err != nil {
		return keyNotFound(err)
	}
	server.Encode(w, http.StatusOK, keyView(k))
	return nil
}

// keyChange is the body of PATCH /api/admin/api-keys/{id}: the document
// lets a key's scopes be changed, nothing else.
type keyChange struct {
	Scopes []string `json:"scopes"`
}

// updateKey replaces a live key's scopes: PATCH /api/admin/api-keys/{id}.
// The body is decoded strictly: a field the operation cannot change (say
// expiration_time) is refused, not silently ignored. A revoked key is not
// found, as it is for GET and DELETE.
func (a *API) updateKey(w http.ResponseWriter, r *http.Request) error {
	req, err := server.Decode[keyChange](r, true)
	if err != nil {
		return err
	}
	scopes, err := parseScopes(req.Scopes)
	if err != nil {
		return err
	}
	k, err := a.vault.UpdateAPIKey(r.Context(), server.Principal(r), r.PathValue("id"), vault.APIKeyChange{Scopes: scopes})
	if errors.Is(err, vault.ErrKeyRevoked) {
		err = vault.ErrNotFound
	}
	if err != nil {
		return keyNotFound(err)
	}
	if err := a.record(r, "api_key.update", map[string]string{"scopes": vault.JoinScopes(k.Scopes)}, k.ID); err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, keyView(k))
	return nil
}

// deleteKey revokes a key at once: DELETE /api/admin/api-keys/{id}.
func (a *API) deleteKey(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := a.vault.RevokeAPIKey(r.Context(), server.Principal(r).Tenant, id); err != nil {
		return keyNotFound(err)
	}
	if err := a.record(r, "api_key.revoke", nil, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// keyNotFound names the key in a not-found error.
func keyNotFound(err error) error {
	if vault.CodeOf(err) == vault.CodeNotFound {
		return &vault.Error{Code: vault.CodeNotFound, Public: "API key not found", Err: err}
	}
	return err
}
