package guardian

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault/sessions"
)

// Security codes are held apart from the card, sealed, until the vault's
// security-code TTL passes; no read API ever returns one. Only a forward
// injects it.

// securityCodeResponse answers GET …/security-code.
type securityCodeResponse struct {
	Available bool `json:"security_code_available"`
}

// securityCodeStatus says whether a code is held (an expired one is deleted
// from the store on the way): GET /api/pci/tokens/{id}/security-code.
func (a *API) securityCodeStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := tokenID(r)
	if err != nil {
		return err
	}
	hold, err := a.vault.SecurityCodeAvailable(r.Context(), server.Principal(r).Tenant, id)
	if err != nil {
		return tokenNotFound(err)
	}
	server.Encode(w, http.StatusOK, securityCodeResponse{Available: hold.Held})
	return nil
}

// refreshSecurityCode starts a session that collects only the security
// code, through the same browser flow as a card: POST …/security-code.
func (a *API) refreshSecurityCode(w http.ResponseWriter, r *http.Request) error {
	id, err := tokenID(r)
	if err != nil {
		return err
	}
	origins, err := refreshOrigins(r)
	if err != nil {
		return err
	}
	s, err := a.sessions.CreateSession(r.Context(), sessions.Params{Tenant: server.Principal(r).Tenant,
		Purpose: sessions.SecurityCode, CardID: id, KeyMaterial: newSessionKey(), AllowedOrigins: origins})
	if err != nil {
		return tokenNotFound(err)
	}
	server.Encode(w, http.StatusOK, sessionResponse{SessionID: s.ID})
	return nil
}

// refreshBody is the optional body of a refresh: cardvault's extension
// {"allowed_origins": [...]}, the origins whose pages may frame the
// session's form and run Hellgate's Web SDK against it (see
// parseAllowedOrigins). No body means none.
type refreshBody struct {
	AllowedOrigins json.RawMessage `json:"allowed_origins"`
}

// refreshOrigins reads a refresh's allowed origins, if it has a body.
func refreshOrigins(r *http.Request) ([]string, error) {
	raw, err := server.ReadBody(r)
	if err != nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil, err
	}
	var body refreshBody
	if err := server.DecodeBytes(raw, &body, false); err != nil {
		return nil, err
	}
	return parseAllowedOrigins(body.AllowedOrigins)
}

// deleteSecurityCode removes a held code: DELETE …/security-code. An
// unknown token, or a token without a code, is a 404.
func (a *API) deleteSecurityCode(w http.ResponseWriter, r *http.Request) error {
	id, err := tokenID(r)
	if err != nil {
		return err
	}
	tenant := server.Principal(r).Tenant
	if _, err := a.vault.SecurityCodeAvailable(r.Context(), tenant, id); err != nil {
		return tokenNotFound(err)
	}
	if err := a.vault.DropSecurityCode(r.Context(), tenant, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
