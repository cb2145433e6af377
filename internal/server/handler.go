package server

import (
	"net/http"

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
}

// Serve adapts h to an http.Handler that writes h's error with Fail.
func (rt Routes) Serve(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			rt.Fail(w, r, err)
		}
	})
}

// Key serves h to callers whose API key has scope (any valid key when
// scope is ""): the key is checked as RequireKey does, and h finds the
// caller with Principal.
func (rt Routes) Key(scope vault.Scope, h HandlerFunc) http.Handler {
	return requireKey(rt.Auth, rt.credential, rt.Challenge, scope, rt.Fail, rt.Serve(h))
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
