// Package gr4vy speaks Gr4vy's dialect: card payment methods
// (/payment-methods) and Vault Forward (/vault-forward), in Gr4vy's error
// shape, with a cardvault API key as the bearer token.
package gr4vy

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// The paths the facade owns.
const (
	pathPaymentMethods = "/payment-methods"
	pathVaultForward   = "/vault-forward"
)

// Auditor records security-relevant actions.
type Auditor interface {
	Record(ctx context.Context, ev audit.Event) error
}

// Forwarder sends a rendered forward to its destination (Do) or checks it
// without sending anything (Prepare, for dry runs). *forward.Relay is one.
type Forwarder interface {
	Do(ctx context.Context, req forward.Request) (*forward.Response, error)
	Prepare(ctx context.Context, req forward.Request) (*forward.Outbound, error)
}

// API serves the Gr4vy dialect.
type API struct {
	vault *vault.Service
	relay Forwarder
	audit Auditor
	log   *slog.Logger
}

// New returns the Gr4vy facade over the vault service. relay sends vault
// forwards; when it is nil every forward is refused.
func New(v *vault.Service, relay Forwarder, a Auditor, log *slog.Logger) *API {
	return &API{vault: v, relay: relay, audit: a, log: log}
}

// Routes lists the whole Gr4vy API that cardvault serves.
func (a *API) Routes(mux *server.Mux) {
	rt := server.Routes{Auth: a.vault, Fail: a.fail, Challenge: "Bearer"}
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
