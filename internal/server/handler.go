package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// HandlerFunc is the one shape of a facade's request handler: it writes a
// response and returns nil, or writes nothing and returns what went wrong,
// for its facade's Routes to write in the facade's own error shape. A
// handler that has started its response (a stream) writes its own late
// failure and returns nil.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Routes turns a facade's HandlerFuncs into http.Handlers: every error goes
// to Fail, and Key puts RequireKey in front. The zero Challenge sends no
// WWW-Authenticate header; a nil Credential means Credential.
type Routes struct {
	// Auth checks API keys (the vault service).
	Auth Authenticator
	// Fail writes an error in the facade's own error shape.
	Fail func(w http.ResponseWriter, r *http.Request, err error)
	// Challenge is the WWW-Authenticate scheme sent when a key is missing
	// or unknown ("Bearer", "Basic"), or "" for none.
	Challenge string
	// Credential extracts the API key a request carries.
	Credential func(r *http.Request) string
	// Limits are the per-key rate limits of Key routes; the zero value
	// limits nothing.
	Limits KeyLimits
}

// KeyLimits are the rate limits a Key route applies to the authenticated
// key, refusing with 429 (and Retry-After) in the facade's error shape.
type KeyLimits struct {
	// Every limits each key on every Key route; nil limits nothing.
	Every Limiter
	// CardWrites limits each key on the POST routes that need cards:write
	// (storing cards, tokenizing, creating what captures cards); nil limits
	// nothing.
	CardWrites Limiter
}

// Serve adapts h to an http.Handler that writes h's error with Fail.
func (rt Routes) Serve(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			rt.Fail(w, r, maskPublic(err))
		}
	})
}

// Key serves h to callers whose API key has scope (any valid key when
// scope is ""): the key is checked as RequireKey does, and h finds the
// caller with Principal.
func (rt Routes) Key(scope vault.Scope, h HandlerFunc) http.Handler {
	next := rt.Serve(h)
	if scope == vault.ScopeCardsWrite && rt.Limits.CardWrites != nil {
		cards := LimitByKey(rt.Limits.CardWrites, rt.refuse, next)
		plain := next
		next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				cards.ServeHTTP(w, r)
				return
			}
			plain.ServeHTTP(w, r)
		})
	}
	if rt.Limits.Every != nil {
		next = LimitByKey(rt.Limits.Every, rt.refuse, next)
	}
	return requireKey(rt.Auth, rt.credential, rt.Challenge, scope, rt.Fail, next)
}

// refuse writes a rate-limit refusal through Fail, so in the facade's shape.
func (rt Routes) refuse(w http.ResponseWriter, r *http.Request, _ time.Duration) {
	rt.Fail(w, r, &vault.Error{Code: vault.CodeLimited, Public: RateLimitMessage})
}

// credential returns the request's API key.
func (rt Routes) credential(r *http.Request) string {
	if rt.Credential != nil {
		return rt.Credential(r)
	}
	return Credential(r)
}

// Principal returns the caller a Key route (or RequireKey) authenticated,
// or the zero Principal outside one.
func Principal(r *http.Request) vault.Principal {
	p, _ := vault.PrincipalFrom(r.Context())
	return p
}

// maskPublic returns err with a public message and field that can never
// echo a card number a caller sent where none belongs (card.MaskPANs): the
// one place every facade's handler errors pass through.
func maskPublic(err error) error {
	var ve *vault.Error
	if !errors.As(err, &ve) {
		return err
	}
	public, field := card.MaskPANs(ve.Public), card.MaskPANs(ve.Field)
	if public == ve.Public && field == ve.Field {
		return err
	}
	return &vault.Error{Code: ve.Code, Public: public, Field: field, Err: err}
}
