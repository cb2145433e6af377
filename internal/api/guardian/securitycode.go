package guardian

import (
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
func (a *API) securityCodeStatus() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := tokenID(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		hold, err := a.vault.SecurityCodeAvailable(r.Context(), principal(r).Tenant, id)
		if err != nil {
			a.fail(w, r, tokenNotFound(err))
			return
		}
		server.Encode(w, http.StatusOK, securityCodeResponse{Available: hold.Held})
	})
}

// refreshSecurityCode starts a session that collects only the security
// code, through the same browser flow as a card: POST …/security-code.
func (a *API) refreshSecurityCode() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := tokenID(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		s, err := a.sessions.CreateSession(r.Context(), sessions.Params{Tenant: principal(r).Tenant,
			Purpose: sessions.SecurityCode, CardID: id, KeyMaterial: newSessionKey()})
		if err != nil {
			a.fail(w, r, tokenNotFound(err))
			return
		}
		server.Encode(w, http.StatusOK, sessionResponse{SessionID: s.ID})
	})
}

// deleteSecurityCode removes a held code: DELETE …/security-code. An
// unknown token, or a token without a code, is a 404.
func (a *API) deleteSecurityCode() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := tokenID(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		tenant := principal(r).Tenant
		if _, err := a.vault.SecurityCodeAvailable(r.Context(), tenant, id); err != nil {
			a.fail(w, r, tokenNotFound(err))
			return
		}
		if err := a.vault.DropSecurityCode(r.Context(), tenant, id); err != nil {
			a.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
