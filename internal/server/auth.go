package server

import (
	"context"
	"net/http"

	"github.com/cardvault/cardvault/internal/vault"
)

// Authenticator checks an API key secret and names its principal.
type Authenticator interface {
	Authenticate(ctx context.Context, secret string) (vault.Principal, error)
}

// RequireKey authenticates the request's credential (see Credential) and,
// when scope is not empty, requires that scope; then next runs with the
// principal in its context (and in the access log). A failure goes to fail,
// in the facade's own error shape; a missing or unknown key also gets a
// WWW-Authenticate challenge of the given scheme ("Bearer", "Basic").
func RequireKey(auth Authenticator, challenge string, scope vault.Scope,
	fail func(http.ResponseWriter, *http.Request, error), next http.Handler) http.Handler {
	return requireKey(auth, Credential, challenge, scope, fail, next)
}

// requireKey is RequireKey with the credential taken by credential; an
// empty challenge sends no WWW-Authenticate header.
func requireKey(auth Authenticator, credential func(*http.Request) string, challenge string, scope vault.Scope,
	fail func(http.ResponseWriter, *http.Request, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := auth.Authenticate(r.Context(), credential(r))
		if err != nil {
			if challenge != "" {
				w.Header().Set("WWW-Authenticate", challenge+` realm="cardvault"`)
			}
			fail(w, r, err)
			return
		}
		r = r.WithContext(SetPrincipal(r.Context(), p))
		if scope != "" {
			if err := p.Require(scope); err != nil {
				fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
