package jwtauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cardvault/cardvault/internal/vault"
)

func FuzzVerify(f *testing.F) {
	e := newEnv(f)
	for i, c := range []map[string]any{e.sdkClaims("a", "*.read"), e.sdkClaims("b", "embed"), {"exp": "x"}} {
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES512, Key: e.priv}, (&jose.SignerOptions{}).WithHeader("kid", e.kid))
		tok, _ := jwt.Signed(s).Claims(c).Serialize()
		f.Add(tok)
		if i == 0 {
			p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: p256}, nil)
			tok, _ := jwt.Signed(s).Claims(c).Serialize()
			f.Add(tok)
		}
	}
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := e.v.Verify(t.Context(), s)
		if err != nil {
			if c := vault.CodeOf(err); c != vault.CodeUnauthorized {
				t.Fatalf("code %s: %v", c, err)
			}
			return
		}
		if tok.KeyID != e.kid || tok.ID == "" {
			t.Fatalf("accepted %+v", tok)
		}
	})
}

func FuzzParsePublicKeyPEM(f *testing.F) {
	_, pub, _ := GenerateKeyPair()
	good, _ := MarshalPublicKeyPEM(pub)
	priv, _, _ := GenerateKeyPair()
	f.Add(good)
	f.Add(priv)
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParsePublicKeyPEM(b)
		if err != nil {
			return
		}
		raw, err := k.Bytes()
		if err != nil || k.Curve != elliptic.P521() {
			t.Fatal("accepted a key that is not a P-521 point")
		}
		if _, err := ecdsa.ParseUncompressedPublicKey(elliptic.P521(), raw); err != nil {
			t.Fatalf("accepted a point off the curve: %v", err)
		}
		if _, err := Thumbprint(k); err != nil {
			t.Fatal(err)
		}
	})
}
