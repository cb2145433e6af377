package gr4vy

import (
	"context"
	"errors"
	"strings"

	"github.com/cardvault/cardvault/internal/jwtauth"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// authenticator accepts what Gr4vy's SDKs send as the bearer token: an
// ES512 JWT signed with the merchant's registered key (a value with two
// dots), or a cardvault API key. A JWT's Gr4vy scopes become cardvault
// scopes through jwtauth.ScopeTable; each route then requires its scope as
// for an API key.
type authenticator struct {
	keys admitter
	// jwt verifies JWTs; nil refuses them.
	jwt *jwtauth.Verifier
}

var _ server.Authenticator = authenticator{}

// admitter authenticates API keys and admits a JWT's principal by the same
// rules (a suspended key, a disabled tenant); *vault.Service is one.
type admitter interface {
	server.Authenticator
	Admit(ctx context.Context, p vault.Principal) error
}

// errNoJWTKeys answers a JWT when the vault keeps no JWT keys.
var errNoJWTKeys = &vault.Error{Code: vault.CodeUnauthorized, Public: "this vault does not accept JWTs; use an API key"}

// Authenticate implements server.Authenticator. A value with two dots
// whose first part is not a JWT header (an operator's key may hold dots)
// is tried as an API key.
func (a authenticator) Authenticate(ctx context.Context, secret string) (vault.Principal, error) {
	if strings.Count(secret, ".") != 2 {
		return a.keys.Authenticate(ctx, secret)
	}
	if a.jwt == nil {
		return vault.Principal{}, errNoJWTKeys
	}
	tok, err := a.jwt.Verify(ctx, secret)
	if errors.Is(err, jwtauth.ErrMalformed) {
		return a.keys.Authenticate(ctx, secret)
	}
	if err != nil {
		return vault.Principal{}, err
	}
	p := tok.Principal()
	if err := a.keys.Admit(ctx, p); err != nil {
		return vault.Principal{}, err
	}
	return p, nil
}
