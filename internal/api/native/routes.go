// Package native is cardvault's own API under /cardvault/v1: cards, API
// keys and (for platform admins) tenants, in cardvault's error shape. The vendor dialects live beside it.
package native

import (
	"log/slog"
	"net/http"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/jwtkeys"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// Prefix is where the native API lives.
const Prefix = "/cardvault/v1"

// API serves the native dialect.
type API struct {
	limits server.KeyLimits
	vault  *vault.Service
	audit  api.Recorder
	log    *slog.Logger
	// jwtKeys holds merchants' JWT public keys; nil answers its routes 404.
	jwtKeys *jwtkeys.Service
	// webhooks keeps webhook endpoints; nil answers its routes 404.
	webhooks *webhooks.Service
}

// New returns the native API over d.Vault, auditing to d.Audit; d.JWTKeys
// serves the JWT key routes and d.Webhooks the webhook routes.
func New(d api.Deps) *API {
	return &API{vault: d.Vault, limits: d.Limits, audit: d.Audit, log: d.Logger(), jwtKeys: d.JWTKeys, webhooks: d.Webhooks}
}

var _ server.Facade = (*API)(nil)

// record audits an action by the request's caller; a failure to audit
// fails the request, so nothing audited goes unrecorded.
func (a *API) record(r *http.Request, action string, targets ...string) error {
	return a.audit.Record(r.Context(), api.CallerEvent(r, action, nil, targets...))
}

// Routes lists the whole native API.
func (a *API) Routes(mux *server.Mux) {
	rt := server.Routes{Auth: a.vault, Limits: a.limits, Fail: a.fail, Challenge: "Bearer"}
	mux.Handle("POST "+Prefix+"/cards", rt.Key(vault.ScopeCardsWrite, a.createCard))
	mux.Handle("GET "+Prefix+"/cards", rt.Key(vault.ScopeCardsRead, a.listCards))
	mux.Handle("GET "+Prefix+"/cards/{id}", rt.Key(vault.ScopeCardsRead, a.getCard))
	mux.Handle("PATCH "+Prefix+"/cards/{id}", rt.Key(vault.ScopeCardsWrite, a.updateCard))
	mux.Handle("GET "+Prefix+"/cards/{id}/reveal", rt.Key(vault.ScopeCardsReveal, a.revealCard))
	mux.Handle("DELETE "+Prefix+"/cards/{id}", rt.Key(vault.ScopeCardsWrite, a.deleteCard))
	mux.Handle("POST "+Prefix+"/keys", rt.Key(vault.ScopeAdmin, a.createKey))
	mux.Handle("GET "+Prefix+"/keys", rt.Key(vault.ScopeAdmin, a.listKeys))
	mux.Handle("DELETE "+Prefix+"/keys/{id}", rt.Key(vault.ScopeAdmin, a.revokeKey))
	mux.Handle("POST "+Prefix+"/jwt-keys", rt.Key(vault.ScopeAdmin, a.createJWTKey))
	mux.Handle("GET "+Prefix+"/jwt-keys", rt.Key(vault.ScopeAdmin, a.listJWTKeys))
	mux.Handle("DELETE "+Prefix+"/jwt-keys/{kid}", rt.Key(vault.ScopeAdmin, a.deleteJWTKey))
	mux.Handle("POST "+Prefix+"/webhooks", rt.Key(vault.ScopeWebhooks, a.createWebhook))
	mux.Handle("GET "+Prefix+"/webhooks", rt.Key(vault.ScopeWebhooks, a.listWebhooks))
	mux.Handle("GET "+Prefix+"/webhooks/{id}", rt.Key(vault.ScopeWebhooks, a.getWebhook))
	mux.Handle("DELETE "+Prefix+"/webhooks/{id}", rt.Key(vault.ScopeWebhooks, a.deleteWebhook))
	mux.Handle("GET "+Prefix+"/webhooks/{id}/deliveries", rt.Key(vault.ScopeWebhooks, a.listDeliveries))
	mux.Handle("POST "+Prefix+"/webhooks/{id}/ping", rt.Key(vault.ScopeWebhooks, a.pingWebhook))
	mux.Handle("GET "+Prefix+"/tenants", rt.Key(vault.ScopePlatformAdmin, a.listTenants))
	mux.Handle("POST "+Prefix+"/tenants", rt.Key(vault.ScopePlatformAdmin, a.createTenant))
	mux.Handle("POST "+Prefix+"/tenants/{id}/disable", rt.Key(vault.ScopePlatformAdmin, a.disableTenant))
	mux.Handle("POST "+Prefix+"/tenants/{id}/keys", rt.Key(vault.ScopePlatformAdmin, a.createTenantKey))
}

// Owns reports whether path is under the native prefix.
func (a *API) Owns(path string) bool { return server.HasPrefix(path, Prefix) }

// WriteError writes the native error shape.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	server.WriteNativeError(w, r, status, message)
}

// fail writes err in the native shape: one place maps errors to responses.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, e := server.Fail(a.log, r, err)
	server.WriteNativeErrorField(w, r, status, string(e.Code), e.Public, e.Field)
}
