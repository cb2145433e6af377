// Package jwtauth verifies the ES512 JWTs with which Gr4vy's SDKs
// authenticate (`withToken({ privateKey })` in @gr4vy/sdk): the merchant
// signs each request's token with its P-521 private key; the header's
// "kid" is the RFC 7638 thumbprint of the key; the claims are "scopes",
// "iat", "nbf", "exp" (30 s after iat by default), "jti" and, optionally,
// "checkout_session_id". It is built on go-jose (v4), the library
// internal/jwe uses.
//
// A Verifier accepts ES512 and nothing else (none, HS*, RS*, PS*, ES256,
// ES384, EdDSA are refused before any key is looked up), finds the key by
// its thumbprint through KeyStore and checks the thumbprint itself (the
// store is untrusted), checks exp, nbf and iat with a small clock skew,
// bounds a token's lifetime, and refuses a jti it has seen within its
// lifetime through ReplayCache. Gr4vy's scopes map to cardvault's through
// ScopeTable. Every refusal is a *vault.Error with CodeUnauthorized and a
// message safe to show, wrapping one of the Err* sentinels.
//
// The package also reads a P-521 public key from PEM, computes its
// thumbprint and makes a new P-521 key pair, for the `cardvault keys
// add-jwt` and `keys create-jwt` commands.
//
// # Wiring
//
// cmd/cardvault builds one Verifier per process with the KeyStore and the
// ReplayCache of internal/vault/jwtkeys: the public key and its thumbprint
// stored per tenant as a sealed record whose id is the thumbprint (a
// deleted key answers not found), and a replay record per kid+jti with its
// token's expiry, created under a unique key so that a second use conflicts
// on every node. MemoryReplayCache is for a single node and tests. The
// Gr4vy facade's authentication (internal/api/gr4vy/auth.go) calls Verify
// when the bearer value has the shape of a JWT (three dot-separated parts)
// and uses Token.Principal() as the request's principal, falling back to
// API keys only for a value that is not a JWT at all (ErrMalformed); each
// route keeps requiring its cardvault scope. A refusal answers 401 in
// Gr4vy's error shape with the error's public message.
package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cardvault/cardvault/internal/vault"
)

// Defaults of a Verifier's limits.
const (
	// DefaultSkew is the clock difference tolerated on exp, nbf and iat.
	DefaultSkew = 15 * time.Second
	// DefaultMaxLifetime bounds exp - iat. Gr4vy's SDKs default to 30 s
	// (withToken) and 1 h (getEmbedToken).
	DefaultMaxLifetime = time.Hour
	// MaxTokenLen bounds the token text.
	MaxTokenLen = 8 << 10
	// maxJTILen bounds the jti the replay cache keeps (the SDK's are UUIDs).
	maxJTILen = 128
)

// The reasons a token is refused, wrapped in the *vault.Error Verify returns.
var (
	ErrMalformed    = errors.New("jwtauth: malformed token")
	ErrAlgorithm    = errors.New("jwtauth: algorithm not accepted")
	ErrUnknownKey   = errors.New("jwtauth: unknown key")
	ErrSignature    = errors.New("jwtauth: bad signature")
	ErrClaims       = errors.New("jwtauth: missing or invalid claims")
	ErrExpired      = errors.New("jwtauth: token expired")
	ErrNotYetValid  = errors.New("jwtauth: token not yet valid")
	ErrLifetime     = errors.New("jwtauth: token lifetime too long")
	ErrReplayed     = errors.New("jwtauth: token already used")
	errKeyNotUsable = errors.New("jwtauth: stored key unusable")
)

// publicUnknownKey answers a kid no key has.
const publicUnknownKey = "the JWT's kid names no registered key (kid is the RFC 7638 thumbprint of the public key)"

// Key is a merchant's registered public key.
type Key struct {
	// ID names the key in audit records and principals.
	ID string
	// Tenant is the tenant the key authenticates.
	Tenant string
	// Public is the P-521 public key.
	Public *ecdsa.PublicKey
}

// KeyStore finds registered keys. Declared here, implemented over the
// vault's key records.
type KeyStore interface {
	// JWTKey returns the live key whose RFC 7638 thumbprint is kid, or an
	// error wrapping vault.ErrNotFound when there is none.
	JWTKey(ctx context.Context, kid string) (Key, error)
}

// Verifier checks Gr4vy-style ES512 JWTs. Keys and Replay are required;
// the other fields have defaults when zero.
type Verifier struct {
	Keys   KeyStore
	Replay ReplayCache
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Skew is the tolerated clock difference (DefaultSkew when zero).
	Skew time.Duration
	// MaxLifetime bounds exp - iat (DefaultMaxLifetime when zero).
	MaxLifetime time.Duration
}

// Token is a verified token.
type Token struct {
	// KeyID is the kid: the thumbprint of the key that signed the token.
	KeyID string
	// Key is the registered key that signed it.
	Key Key
	// ID is the token's jti.
	ID string
	// Expiry is the token's exp.
	Expiry time.Time
	// Gr4vyScopes are the scopes the token claims, as Gr4vy names them.
	Gr4vyScopes []string
	// CheckoutSessionID is the optional checkout_session_id claim.
	CheckoutSessionID string
}

// Principal returns the caller the token authenticates, with the
// cardvault scopes its Gr4vy scopes grant (see ScopeTable).
func (t Token) Principal() vault.Principal {
	return vault.Principal{Tenant: t.Key.Tenant, KeyID: t.Key.ID, Scopes: MapScopes(t.Gr4vyScopes)}
}

// Grants reports whether the token holds the Gr4vy scope want, directly or
// through "*.read" / "*.write".
func (t Token) Grants(want string) bool { return grants(t.Gr4vyScopes, want) }

// claims are the claims the SDK signs.
type claims struct {
	jwt.Claims
	Scopes            []string `json:"scopes"`
	CheckoutSessionID string   `json:"checkout_session_id"`
}

// refuse makes the error Verify returns.
func refuse(cause error, public string) error {
	return &vault.Error{Code: vault.CodeUnauthorized, Public: public, Err: cause}
}

// Verify checks the compact JWT raw and returns what it authenticates.
func (v *Verifier) Verify(ctx context.Context, raw string) (Token, error) {
	if len(raw) > MaxTokenLen || strings.Count(raw, ".") != 2 {
		return Token{}, refuse(ErrMalformed, "the bearer token is not a compact JWT")
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	head, err := base64.RawURLEncoding.DecodeString(raw[:strings.IndexByte(raw, '.')])
	if err != nil || json.Unmarshal(head, &hdr) != nil {
		return Token{}, refuse(ErrMalformed, "the JWT header is not base64url JSON")
	}
	if hdr.Alg != string(jose.ES512) {
		return Token{}, refuse(ErrAlgorithm, "only ES512-signed JWTs are accepted")
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES512})
	if err != nil || len(tok.Headers) != 1 {
		return Token{}, refuse(ErrMalformed, "the bearer token is not a valid JWS")
	}
	kid := tok.Headers[0].KeyID
	if kid == "" {
		return Token{}, refuse(ErrUnknownKey, "the JWT has no kid")
	}
	key, err := v.Keys.JWTKey(ctx, kid)
	if errors.Is(err, vault.ErrNotFound) {
		return Token{}, refuse(ErrUnknownKey, publicUnknownKey)
	}
	if err != nil {
		return Token{}, err
	}
	// The store is untrusted: the key it answers must be the one kid names.
	if tp, err := Thumbprint(key.Public); err != nil || tp != kid {
		return Token{}, &vault.Error{Code: vault.CodeInternal, Public: "the JWT key could not be checked", Err: errKeyNotUsable}
	}
	var c claims
	if err := tok.Claims(key.Public, &c); err != nil {
		return Token{}, refuse(ErrSignature, "the JWT signature does not verify with the registered key")
	}
	if err := v.checkTimes(c.Claims); err != nil {
		return Token{}, err
	}
	if c.ID == "" || len(c.ID) > maxJTILen {
		return Token{}, refuse(ErrClaims, "the JWT needs a jti of at most 128 characters")
	}
	exp := c.Expiry.Time()
	fresh, err := v.Replay.Remember(ctx, key.Tenant, kid+"\x00"+c.ID, exp.Add(v.skew()))
	if errors.Is(err, ErrReplayCacheFull) {
		return Token{}, &vault.Error{Code: vault.CodeUnavailable, Public: "too many JWTs in flight; retry shortly", Err: err}
	}
	if err != nil {
		return Token{}, err
	}
	if !fresh {
		return Token{}, refuse(ErrReplayed, "the JWT was already used (jti seen before); sign a new token for each request")
	}
	return Token{KeyID: kid, Key: key, ID: c.ID, Expiry: exp, Gr4vyScopes: c.Scopes, CheckoutSessionID: c.CheckoutSessionID}, nil
}

// checkTimes requires exp and iat, checks exp, nbf and iat against the
// clock with the skew, and bounds the lifetime.
func (v *Verifier) checkTimes(c jwt.Claims) error {
	if c.Expiry == nil || c.IssuedAt == nil {
		return refuse(ErrClaims, "the JWT needs exp and iat")
	}
	err := c.ValidateWithLeeway(jwt.Expected{Time: v.now()}, v.skew())
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return refuse(ErrExpired, "the JWT has expired")
	case errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return refuse(ErrNotYetValid, "the JWT is not valid yet (nbf or iat in the future)")
	case err != nil:
		return refuse(ErrClaims, "the JWT claims are invalid")
	}
	max := v.MaxLifetime
	if max == 0 {
		max = DefaultMaxLifetime
	}
	if c.Expiry.Time().Sub(c.IssuedAt.Time()) > max {
		return refuse(ErrLifetime, "the JWT lives longer than allowed (exp - iat)")
	}
	return nil
}

func (v *Verifier) now() time.Time {
	if v.Now == nil {
		return time.Now()
	}
	return v.Now()
}

func (v *Verifier) skew() time.Duration {
	if v.Skew == 0 {
		return DefaultSkew
	}
	return v.Skew
}
