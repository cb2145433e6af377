package jwtauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cardvault/cardvault/internal/vault"
)

// refusedAs checks that err is a 401 wrapping reason.
func refusedAs(t *testing.T, name string, err, reason error) {
	t.Helper()
	if !errors.Is(err, reason) || vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Errorf("%s: got %v, want 401 %v", name, err, reason)
	}
}

func TestVerifyAcceptsSDKShapedToken(t *testing.T) {
	e := newEnv(t)
	c := e.sdkClaims("jti-1", "*.read", "*.write")
	c["checkout_session_id"] = "cs-1"
	tok, err := e.v.Verify(t.Context(), e.token(t, c))
	if err != nil {
		t.Fatal(err)
	}
	p := tok.Principal()
	if p.Tenant != "acme" || p.KeyID != "jwt-key-1" || tok.KeyID != e.kid || tok.ID != "jti-1" || tok.CheckoutSessionID != "cs-1" {
		t.Errorf("token %+v principal %+v", tok, p)
	}
	if !slices.Equal(p.Scopes, []vault.Scope{vault.ScopeCardsWrite, vault.ScopeCardsRead, vault.ScopeForward}) {
		t.Errorf("scopes %v", p.Scopes)
	}
	if p.Can(vault.ScopeCardsReveal) || p.Can(vault.ScopeAdmin) {
		t.Error("a Gr4vy token reaches reveal or admin")
	}
	if !tok.Grants("payment-methods.write") || !tok.Grants("buyers.read") || tok.Grants("embed") {
		t.Error("wildcard grants wrong")
	}
}

func TestVerifyRefusesOtherAlgorithms(t *testing.T) {
	e := newEnv(t)
	c := e.sdkClaims("jti", "*.write")
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubPEM, _ := MarshalPublicKeyPEM(&e.priv.PublicKey)
	for name, tok := range map[string]string{
		"ES256": sign(t, jose.ES256, p256, e.kid, c),
		"ES384": sign(t, jose.ES384, p384, e.kid, c),
		"RS256": sign(t, jose.RS256, rsaKey, e.kid, c),
		"PS512": sign(t, jose.PS512, rsaKey, e.kid, c),
		// The classic confusion: HMAC keyed with the public key's PEM.
		"HS512 with the public key": sign(t, jose.HS512, pubPEM, e.kid, c),
		"HS256":                     sign(t, jose.HS256, []byte("0123456789abcdef0123456789abcdef"), e.kid, c),
	} {
		_, err := e.v.Verify(t.Context(), tok)
		refusedAs(t, name, err, ErrAlgorithm)
	}
	// alg none, with and without a signature part, and case games.
	good := e.token(t, c)
	parts := strings.Split(good, ".")
	for _, h := range []string{`{"alg":"none","kid":"` + e.kid + `"}`, `{"alg":"NONE"}`, `{"alg":"es512"}`, `{"kid":"` + e.kid + `"}`} {
		hb := base64.RawURLEncoding.EncodeToString([]byte(h))
		for _, tok := range []string{hb + "." + parts[1] + ".", hb + "." + parts[1] + "." + parts[2]} {
			_, err := e.v.Verify(t.Context(), tok)
			refusedAs(t, h, err, ErrAlgorithm)
		}
	}
	// Malformed tokens.
	for _, tok := range []string{"", "a.b", "a.b.c.d", "!!!.b.c", strings.Repeat("a", MaxTokenLen) + ".b.c", parts[0] + "." + parts[1]} {
		_, err := e.v.Verify(t.Context(), tok)
		refusedAs(t, "malformed", err, ErrMalformed)
	}
}

func TestVerifyRefusesUnknownKey(t *testing.T) {
	e := newEnv(t)
	other, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	otherKid, _ := Thumbprint(&other.PublicKey)
	_, err := e.v.Verify(t.Context(), sign(t, jose.ES512, other, otherKid, e.sdkClaims("j1", "*.read")))
	refusedAs(t, "unregistered key", err, ErrUnknownKey)
	_, err = e.v.Verify(t.Context(), sign(t, jose.ES512, e.priv, "", e.sdkClaims("j2", "*.read")))
	refusedAs(t, "no kid", err, ErrUnknownKey)
}

func TestVerifyRefusesBadSignature(t *testing.T) {
	e := newEnv(t)
	// Signed by another key under the registered key's kid.
	other, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, err := e.v.Verify(t.Context(), sign(t, jose.ES512, other, e.kid, e.sdkClaims("j1", "*.read")))
	refusedAs(t, "other signer", err, ErrSignature)
	// Claims changed after signing.
	parts := strings.Split(e.token(t, e.sdkClaims("j2", "*.read")), ".")
	forged := e.token(t, e.sdkClaims("j3", "*.read", "*.write"))
	tok := parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
	_, err = e.v.Verify(t.Context(), tok)
	refusedAs(t, "swapped claims", err, ErrSignature)
	// A flipped signature bit.
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[10] ^= 1
	_, err = e.v.Verify(t.Context(), parts[0]+"."+parts[1]+"."+base64.RawURLEncoding.EncodeToString(sig))
	refusedAs(t, "flipped signature", err, ErrSignature)
}

// TestVerifyChecksTheStoredKey: a store that answers another key for a
// kid (the store is untrusted) does not authenticate anyone.
func TestVerifyChecksTheStoredKey(t *testing.T) {
	e := newEnv(t)
	other, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	e.keys.keys[e.kid] = Key{ID: "evil", Tenant: "acme", Public: &other.PublicKey}
	_, err := e.v.Verify(t.Context(), sign(t, jose.ES512, other, e.kid, e.sdkClaims("j1", "*.write")))
	if err == nil || vault.CodeOf(err) != vault.CodeInternal {
		t.Fatalf("a swapped stored key: %v", err)
	}
}

func TestVerifyTimes(t *testing.T) {
	e := newEnv(t)
	now := e.clock.t
	at := func(iat, nbf, exp time.Duration) map[string]any {
		c := e.sdkClaims("", "*.read")
		c["iat"], c["nbf"], c["exp"] = now.Add(iat).Unix(), now.Add(nbf).Unix(), now.Add(exp).Unix()
		return c
	}
	cases := []struct {
		name   string
		claims map[string]any
		want   error
	}{
		{"expired", at(-time.Minute, -time.Minute, -30*time.Second), ErrExpired},
		{"not yet valid", at(0, time.Minute, 2*time.Minute), ErrNotYetValid},
		{"issued in the future", at(time.Minute, 0, 2*time.Minute), ErrNotYetValid},
		{"lifetime over an hour", at(0, 0, 2*time.Hour), ErrLifetime},
		{"within skew: expired 10 s ago", at(-40*time.Second, -40*time.Second, -10*time.Second), nil},
		{"within skew: nbf in 10 s", at(0, 10*time.Second, 40*time.Second), nil},
	}
	for i, c := range cases {
		c.claims["jti"] = "jti-" + string(rune('a'+i))
		_, err := e.v.Verify(t.Context(), e.token(t, c.claims))
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		refusedAs(t, c.name, err, c.want)
	}
	for _, missing := range []string{"exp", "iat", "jti"} {
		c := e.sdkClaims("jti-m-"+missing, "*.read")
		delete(c, missing)
		_, err := e.v.Verify(t.Context(), e.token(t, c))
		refusedAs(t, "missing "+missing, err, ErrClaims)
	}
}

func TestVerifyRefusesReplay(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t, e.sdkClaims("once", "*.read"))
	if _, err := e.v.Verify(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	_, err := e.v.Verify(t.Context(), tok)
	refusedAs(t, "same token twice", err, ErrReplayed)
	// The same jti in a new token is still a replay.
	_, err = e.v.Verify(t.Context(), e.token(t, e.sdkClaims("once", "*.write")))
	refusedAs(t, "same jti, new token", err, ErrReplayed)
	// A refused token does not use up its jti.
	other, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, _ = e.v.Verify(t.Context(), sign(t, jose.ES512, other, e.kid, e.sdkClaims("fresh", "*.read")))
	if _, err := e.v.Verify(t.Context(), e.token(t, e.sdkClaims("fresh", "*.read"))); err != nil {
		t.Errorf("a forged token burned a jti: %v", err)
	}
}

func TestScopeNotCovering(t *testing.T) {
	e := newEnv(t)
	tok, err := e.v.Verify(t.Context(), e.token(t, e.sdkClaims("j", "buyers.read", "transactions.write", "vault-forward.read")))
	if err != nil {
		t.Fatal(err)
	}
	p := tok.Principal()
	for _, s := range []vault.Scope{vault.ScopeCardsWrite, vault.ScopeForward, vault.ScopeCardsReveal, vault.ScopeAdmin} {
		if err := p.Require(s); vault.CodeOf(err) != vault.CodeForbidden {
			t.Errorf("buyers.read covers %s: %v", s, err)
		}
	}
	if p.Require(vault.ScopeCardsRead) != nil || tok.Grants("buyers.write") || tok.Grants("payment-methods.read") {
		t.Error("buyers.read maps wrong")
	}
	tok, _ = e.v.Verify(t.Context(), e.token(t, e.sdkClaims("j2", "transactions.write")))
	if len(tok.Principal().Scopes) != 0 {
		t.Errorf("an unrelated scope grants %v", tok.Principal().Scopes)
	}
}
