// Package hyperswitch speaks Hyperswitch's v2 server-to-server vault API
// under /v2: customers and the cards saved for them as payment methods,
// provider (PSP) tokens through operator-configured connectors, network
// tokens through the vault's token service provider, and
// Hyperswitch's error shape.
//
// Every object lives in a profile (x-profile-id), and another profile's
// objects answer 404 like missing ones. A profile is a namespace, not an
// access boundary: the caller picks it per request, and any API key of the
// tenant can act in any of the tenant's profiles. The tenant (the key's) is
// the security boundary; parties that must be kept apart need tenants of
// their own.
package hyperswitch

import (
	"log/slog"
	"net/http"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/objectid"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/customers"
)

// Prefix is where the Hyperswitch dialect lives; the facade owns all of it.
const Prefix = "/v2"

// ProfileHeader selects the profile a request acts in.
const ProfileHeader = "X-Profile-Id"

// DefaultProfile is the profile of requests that send no ProfileHeader.
const DefaultProfile = "pro_default"

// API serves the Hyperswitch dialect.
type API struct {
	limits     server.KeyLimits
	vault      *vault.Service
	customers  *customers.Service
	audit      api.Recorder
	connectors api.Tokenizer
	log        *slog.Logger
	// networkTokens provisions card-network tokens; nil means the vault
	// has no token service (network_tokenization answers not_enabled).
	networkTokens networkTokens
}

// New returns the Hyperswitch facade over d.Vault and d.Customers;
// d.NetworkTokens, when not nil, serves network_tokenization.
// d.Connectors may be nil: then no connector exists and psp_tokenization
// names an unknown one.
func New(d api.Deps) *API {
	a := &API{vault: d.Vault, limits: d.Limits, customers: d.Customers, audit: d.Audit, connectors: d.Connectors, log: d.Logger()}
	if d.NetworkTokens != nil {
		a.networkTokens = d.NetworkTokens
	}
	return a
}

var _ server.Facade = (*API)(nil)

// Routes lists the whole Hyperswitch API.
func (a *API) Routes(mux *server.Mux) {
	rt := server.Routes{Auth: a.vault, Limits: a.limits, Fail: a.fail}
	read, write := vault.ScopeCardsRead, vault.ScopeCardsWrite
	serve := func(scope vault.Scope, h handler) http.Handler { return rt.Key(scope, inProfile(h)) }
	mux.Handle("POST "+Prefix+"/customers", serve(write, a.createCustomer))
	mux.Handle("GET "+Prefix+"/customers/list", serve(read, a.listCustomers))
	mux.Handle("GET "+Prefix+"/customers/{id}", serve(read, a.getCustomer))
	mux.Handle("PUT "+Prefix+"/customers/{id}", serve(write, a.updateCustomer))
	mux.Handle("PATCH "+Prefix+"/customers/{id}", serve(write, a.updateCustomer))
	mux.Handle("DELETE "+Prefix+"/customers/{id}", serve(write, a.deleteCustomer))
	mux.Handle("GET "+Prefix+"/customers/{id}/saved-payment-methods", serve(read, a.listPaymentMethods))
	mux.Handle("POST "+Prefix+"/payment-methods", serve(write, a.createPaymentMethod))
	mux.Handle("GET "+Prefix+"/payment-methods/{id}", serve(read, a.getPaymentMethod))
	mux.Handle("PATCH "+Prefix+"/payment-methods/{id}/update-saved-payment-method", serve(write, a.updatePaymentMethod))
	mux.Handle("PUT "+Prefix+"/payment-methods/{id}/update-saved-payment-method", serve(write, a.updatePaymentMethod))
	mux.Handle("DELETE "+Prefix+"/payment-methods/{id}", serve(write, a.deletePaymentMethod))
	mux.Handle("GET "+Prefix+"/payment-methods/{id}/check-network-token-status", serve(read, a.networkTokenStatus))
}

// Owns reports whether path is under /v2.
func (a *API) Owns(path string) bool { return server.HasPrefix(path, Prefix) }

// caller is who a request comes from and the profile it acts in.
type caller struct {
	vault.Principal
	Profile string
}

// handler serves one route for an authenticated caller in its profile; a
// returned error is written by fail.
type handler func(w http.ResponseWriter, r *http.Request, c caller) error

// inProfile reads the profile header and runs h for the caller Key
// authenticated (api-key header, or Authorization: api-key=…).
func inProfile(h handler) server.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		profile, err := profileOf(r)
		if err != nil {
			return err
		}
		return h(w, r, caller{Principal: server.Principal(r), Profile: profile})
	}
}

// profileOf reads the profile header; absent means DefaultProfile.
func profileOf(r *http.Request) (string, error) {
	p := r.Header.Get(ProfileHeader)
	if p == "" {
		return DefaultProfile, nil
	}
	if !customers.ValidProfile(p) {
		return "", badFormat(ProfileHeader, "a profile id is "+objectid.Rule)
	}
	return p, nil
}
