package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cardvault/cardvault/internal/vault"
)

// mapKeys is a KeyStore over a map, standing in for the vault's key
// records (which come later); it can be told to answer a wrong key.
type mapKeys struct {
	mu   sync.Mutex
	keys map[string]Key
}

func (m *mapKeys) JWTKey(_ context.Context, kid string) (Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[kid]
	if !ok {
		return Key{}, fmt.Errorf("key %w", vault.ErrNotFound)
	}
	return k, nil
}

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// env is a verifier with one registered key.
type env struct {
	v     *Verifier
	clock *clock
	priv  *ecdsa.PrivateKey
	kid   string
	keys  *mapKeys
}

func newEnv(t testing.TB) *env {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := Thumbprint(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	keys := &mapKeys{keys: map[string]Key{kid: {ID: "jwt-key-1", Tenant: "acme", Public: &priv.PublicKey}}}
	return &env{v: &Verifier{Keys: keys, Replay: NewMemoryReplayCache(1000, c.Now), Now: c.Now}, clock: c, priv: priv, kid: kid, keys: keys}
}

// sdkClaims are the claims @gr4vy/sdk's getToken signs.
func (e *env) sdkClaims(jti string, scopes ...string) map[string]any {
	now := e.clock.t.Unix()
	return map[string]any{"scopes": scopes, "iat": now, "nbf": now, "exp": now + 30, "jti": jti, "iss": "Gr4vy TypeScript SDK"}
}

// sign signs claims with key under alg, with kid in the header.
func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// token signs claims the way the SDK does.
func (e *env) token(t *testing.T, claims map[string]any) string {
	return sign(t, jose.ES512, e.priv, e.kid, claims)
}
