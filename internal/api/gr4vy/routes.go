// Package gr4vy speaks Gr4vy's dialect: card payment methods
// (/payment-methods) with their payment-service and network tokens, buyers (/buyers), checkout sessions
// (/checkout/sessions) and Vault Forward (/vault-forward), in Gr4vy's error
// shape, with a signed ES512 JWT or a cardvault API key as the bearer token.
package gr4vy

import (
	"log/slog"
	"net/http"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/jwtauth"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/buyers"
	"github.com/cardvault/cardvault/internal/vault/cardtokens"
	"github.com/cardvault/cardvault/internal/vault/checkouts"
)

// The paths the facade owns.
const (
	pathPaymentMethods   = "/payment-methods"
	pathVaultForward     = "/vault-forward"
	pathBuyers           = "/buyers"
	pathCheckoutSessions = "/checkout/sessions"
)

// API serves the Gr4vy dialect.
type API struct {
	limits server.KeyLimits
	vault  *vault.Service
	relay  api.Forwarder
	audit  api.Recorder
	// outcomes records forwards' outcomes (api.Deps.OutcomeRecorder).
	outcomes api.Recorder
	log      *slog.Logger
	auth     authenticator
	// buyers keeps buyers; nil answers their routes 404.
	buyers *buyers.Service
	// checkouts keeps checkout sessions; nil answers their routes 404.
	checkouts *checkouts.Service
	// tokens keeps payment-service tokens, made through connectors; nil
	// answers their routes 404.
	tokens     *cardtokens.Service
	connectors api.Tokenizer
	// networkTokens provisions card-network tokens; nil answers their
	// routes 404.
	networkTokens networkTokens
}

// New returns the Gr4vy facade over d.Vault; d.Relay sends vault
// forwards, and when it is nil every forward is refused; d.JWTKeys, when
// not nil, lets merchants authenticate with signed JWTs beside API keys.
func New(d api.Deps) *API {
	a := &API{vault: d.Vault, limits: d.Limits, relay: d.Relay, audit: d.Audit, outcomes: d.OutcomeRecorder(), log: d.Logger(),
		auth: authenticator{keys: d.Vault}, buyers: d.Buyers, checkouts: d.Checkouts,
		tokens: d.CardTokens, connectors: d.Connectors}
	if d.NetworkTokens != nil {
		a.networkTokens = d.NetworkTokens
	}
	if d.JWTKeys != nil {
		a.auth.jwt = &jwtauth.Verifier{Keys: d.JWTKeys, Replay: d.JWTKeys, Now: d.Vault.Now}
	}
	return a
}

var _ server.Facade = (*API)(nil)

// Routes lists the whole Gr4vy API that cardvault serves.
func (a *API) Routes(mux *server.Mux) {
	rt := server.Routes{Auth: a.auth, Limits: a.limits, Fail: a.fail, Challenge: "Bearer"}
	mux.Handle("POST "+pathPaymentMethods, rt.Key(vault.ScopeCardsWrite, a.createPaymentMethod))
	mux.Handle("GET "+pathPaymentMethods, rt.Key(vault.ScopeCardsRead, a.listPaymentMethods))
	mux.Handle("GET "+pathPaymentMethods+"/{id}", rt.Key(vault.ScopeCardsRead, a.getPaymentMethod))
	mux.Handle("PUT "+pathPaymentMethods+"/{id}", rt.Key(vault.ScopeCardsWrite, a.updatePaymentMethod))
	mux.Handle("DELETE "+pathPaymentMethods+"/{id}", rt.Key(vault.ScopeCardsWrite, a.deletePaymentMethod))
	mux.Handle("GET "+pathPaymentMethods+"/{id}/payment-service-tokens", rt.Key(vault.ScopeCardsRead, a.listServiceTokens))
	mux.Handle("POST "+pathPaymentMethods+"/{id}/payment-service-tokens", rt.Key(vault.ScopeCardsWrite, a.createServiceToken))
	mux.Handle("DELETE "+pathPaymentMethods+"/{id}/payment-service-tokens/{token_id}", rt.Key(vault.ScopeCardsWrite, a.deleteServiceToken))
	nt := pathPaymentMethods + "/{id}/network-tokens"
	mux.Handle("GET "+nt, rt.Key(vault.ScopeCardsRead, a.listNetworkTokens))
	mux.Handle("POST "+nt, rt.Key(vault.ScopeCardsWrite, a.createNetworkToken))
	mux.Handle("POST "+nt+"/{network_token_id}/cryptogram", rt.Key(vault.ScopeCardsRead, a.createCryptogram))
	mux.Handle("POST "+nt+"/{network_token_id}/suspend", rt.Key(vault.ScopeCardsWrite, a.suspendNetworkToken))
	mux.Handle("POST "+nt+"/{network_token_id}/resume", rt.Key(vault.ScopeCardsWrite, a.resumeNetworkToken))
	mux.Handle("DELETE "+nt+"/{network_token_id}", rt.Key(vault.ScopeCardsWrite, a.deleteNetworkToken))
	mux.Handle("POST "+pathVaultForward, rt.Key(vault.ScopeForward, a.vaultForward))

	mux.Handle("POST "+pathBuyers, rt.Key(vault.ScopeCardsWrite, a.createBuyer))
	mux.Handle("GET "+pathBuyers, rt.Key(vault.ScopeCardsRead, a.listBuyers))
	mux.Handle("GET "+pathBuyers+"/payment-methods", rt.Key(vault.ScopeCardsRead, a.listBuyerPaymentMethods))
	mux.Handle("GET "+pathBuyers+"/{buyer_id}", rt.Key(vault.ScopeCardsRead, a.getBuyer))
	mux.Handle("PUT "+pathBuyers+"/{buyer_id}", rt.Key(vault.ScopeCardsWrite, a.updateBuyer))
	mux.Handle("DELETE "+pathBuyers+"/{buyer_id}", rt.Key(vault.ScopeCardsWrite, a.deleteBuyer))
	mux.Handle("POST "+pathBuyers+"/{buyer_id}/shipping-details", rt.Key(vault.ScopeCardsWrite, a.addShipping))
	mux.Handle("GET "+pathBuyers+"/{buyer_id}/shipping-details", rt.Key(vault.ScopeCardsRead, a.listShipping))
	mux.Handle("GET "+pathBuyers+"/{buyer_id}/shipping-details/{shipping_details_id}", rt.Key(vault.ScopeCardsRead, a.getShipping))
	mux.Handle("PUT "+pathBuyers+"/{buyer_id}/shipping-details/{shipping_details_id}", rt.Key(vault.ScopeCardsWrite, a.updateShipping))
	mux.Handle("DELETE "+pathBuyers+"/{buyer_id}/shipping-details/{shipping_details_id}", rt.Key(vault.ScopeCardsWrite, a.deleteShipping))

	mux.Handle("POST "+pathCheckoutSessions, rt.Key(vault.ScopeCardsWrite, a.createCheckout))
	mux.Handle("GET "+pathCheckoutSessions+"/{session_id}", rt.Key(vault.ScopeCardsRead, a.getCheckout))
	mux.Handle("PUT "+pathCheckoutSessions+"/{session_id}", rt.Key(vault.ScopeCardsWrite, a.updateCheckout))
	mux.Handle("DELETE "+pathCheckoutSessions+"/{session_id}", rt.Key(vault.ScopeCardsWrite, a.deleteCheckout))
	// The browser's calls: the session id is the credential, as in Gr4vy.
	mux.Handle("PUT "+pathCheckoutSessions+"/{session_id}/fields", rt.Serve(a.setFields))
	mux.Handle("POST "+pathCheckoutSessions+"/{session_id}/card-details", rt.Serve(a.cardDetails))
	// The Secure Fields frames (pages, see securefields.go).
	mux.Handle("GET "+pathFieldFrame, rt.Serve(a.fieldFrame))
	mux.Handle("GET "+pathControllerFrame, rt.Serve(a.controllerFrame))
}

// Owns reports whether path belongs to the Gr4vy dialect.
func (a *API) Owns(path string) bool {
	for _, p := range []string{pathPaymentMethods, pathVaultForward, pathBuyers, pathCheckoutSessions} {
		if server.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// WriteError writes Gr4vy's error shape for a routing or middleware error.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	writeError(w, status, server.RedactDigits(message), nil)
}
