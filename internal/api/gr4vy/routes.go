// Package gr4vy speaks Gr4vy's dialect: card payment methods
// (/payment-methods) and Vault Forward (/vault-forward), in Gr4vy's error
// shape, with a cardvault API key as the bearer token.
package gr4vy

import (
	"log/slog"
	"net/http"

	"github.com/cardvault/cardvault/internal/api"
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
	limits server.KeyLimits
	vault  *vault.Service
	relay  api.Forwarder
	audit  api.Recorder
	log    *slog.Logger
}

// New returns the Gr4vy facade over d.Vault; d.Relay sends vault
// forwards, and when it is nil every forward is refused.
func New(d api.Deps) *API {
	return &API{vault: d.Vault, limits: d.Limits, relay: d.Relay, audit: d.Audit, log: d.Logger()}
}

var _ server.Facade = (*API)(nil)

// Routes lists the whole Gr4vy API that cardvault serves.
func (a *API) Routes(mux *server.Mux) {
	rt := server.Routes{Auth: a.vault, Limits: a.limits, Fail: a.fail, Challenge: "Bearer"}
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
