// Package gr4vy speaks Gr4vy's dialect: card payment methods
// (/payment-methods) and Vault Forward (/vault-forward), in Gr4vy's error
// shape, with a cardvault API key as the bearer token.
package gr4vy

import (
	"log/slog"
	"net/http"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/jwtauth"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// The paths the facade owns.
const (
	pathPaymentMethods = "/payment-methods"
	pathVaultForward   = "/vault-forward"
)

// API serves the Gr4vy dialect.
type API struct {
	vault *vault.Service
	relay api.Forwarder
	audit api.Recorder
	log   *slog.Logger
	auth  authenticator
}

// New returns the Gr4vy facade over d.Vault; d.Relay sends vault
// forwards, and when it is nil every forward is refused; d.JWTKeys, when
// not nil, lets merchants authenticate with signed JWTs beside API keys.
func New(d api.Deps) *API {
	a := &API{vault: d.Vault, relay: d.Relay, audit: d.Audit, log: d.Logger(), auth: authenticator{keys: d.Vault}}
	if d.JWTKeys != nil {
		a.auth.jwt = &jwtauth.Verifier{Keys: d.JWTKeys, Replay: d.JWTKeys, Now: d.Vault.Now}
	}
	return a
}

var _ server.Facade = (*API)(nil)

// Routes lists the whole Gr4vy API that cardvault serves.
func (a *API) Routes(mux *server.Mux) {
	rt := server.Routes{Auth: a.auth, Fail: a.fail, Challenge: "Bearer"}
	mux.Handle("POST "+pathPaymentMethods, rt.Key(vault.ScopeCardsWrite, a.createPaymentMethod))
	mux.Handle("GET "+pathPaymentMethods, rt.Key(vault.ScopeCardsRead, a.listPaymentMethods))
	mux.Handle("GET "+pathPaymentMethods+"/{id}", rt.Key(vault.ScopeCardsRead, a.getPaymentMethod))
	mux.Handle("DELETE "+pathPaymentMethods+"/{id}", rt.Key(vault.ScopeCardsWrite, a.deletePaymentMethod))
	mux.Handle("POST "+pathVaultForward, rt.Key(vault.ScopeForward, a.vaultForward))
}

// Owns reports whether path belongs to the Gr4vy dialect.
func (a *API) Owns(path string) bool {
	return server.HasPrefix(path, pathPaymentMethods) || server.HasPrefix(path, pathVaultForward)
}

// WriteError writes Gr4vy's error shape for a routing or middleware error.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	writeError(w, status, server.RedactDigits(message), nil)
}
