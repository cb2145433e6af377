package jwe

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// seal encrypts plaintext to the P-256 key priv with go-jose, allowing
// what Decrypt refuses, so that a refusal is shown to come from the
// restriction and not from a broken ciphertext.
func seal(t testing.TB, priv []byte, alg jose.KeyAlgorithm, enc jose.ContentEncryption, opts *jose.EncrypterOptions, plaintext []byte) string {
	t.Helper()
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), priv)
	if err != nil {
		t.Fatal(err)
	}
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: alg, Key: &k.PublicKey}, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt(plaintext)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func refused(t *testing.T, name string, priv []byte, compact string) {
	t.Helper()
	if got, err := Decrypt(priv, compact); !errors.Is(err, ErrDecrypt) || got != nil {
		t.Errorf("%s: decrypted (%q, %v)", name, got, err)
	}
}

// TestOtherAlgorithmsRefused: JWEs that go-jose itself would open with
// this key, but whose alg, enc or options the sessions do not accept.
func TestOtherAlgorithmsRefused(t *testing.T) {
	priv := NewKey()
	plain := []byte(vectorPlaintext)
	if _, err := Decrypt(priv, seal(t, priv, jose.ECDH_ES, jose.A128GCM, nil, plain)); err != nil {
		t.Fatalf("the accepted baseline: %v", err)
	}
	refused(t, "ECDH-ES+A192KW", priv, seal(t, priv, jose.ECDH_ES_A192KW, jose.A256GCM, nil, plain))
	refused(t, "A192GCM", priv, seal(t, priv, jose.ECDH_ES, jose.A192GCM, nil, plain))
	refused(t, "A192CBC-HS384", priv, seal(t, priv, jose.ECDH_ES_A128KW, jose.A192CBC_HS384, nil, plain))
	refused(t, "zip DEF", priv, seal(t, priv, jose.ECDH_ES, jose.A128GCM, &jose.EncrypterOptions{Compression: jose.DEFLATE}, plain))
	crit := (&jose.EncrypterOptions{}).WithHeader("crit", []string{"exp"}).WithHeader("exp", 1)
	refused(t, "crit", priv, seal(t, priv, jose.ECDH_ES, jose.A128GCM, crit, plain))

	// Algorithms that cannot use this key at all, put in a valid JWE's header.
	good := seal(t, priv, jose.ECDH_ES, jose.A128GCM, nil, plain)
	for _, hdr := range []string{
		`{"alg":"none","enc":"A128GCM"}`,
		`{"alg":"dir","enc":"A128GCM"}`,
		`{"alg":"A128KW","enc":"A128GCM"}`,
		`{"alg":"RSA-OAEP","enc":"A128GCM"}`,
		`{"alg":"RSA1_5","enc":"A128GCM"}`,
		`{"alg":"PBES2-HS256+A128KW","enc":"A128GCM","p2s":"AAAAAAAAAAA","p2c":100000000}`,
		`{"alg":"ECDH-ES","enc":"A128GCM"}`,
		`{"alg":"ECDH-ES","enc":"A128GCM","epk":{"kty":"EC","crv":"P-384","x":"AAAA","y":"AAAA"}}`,
		`{"alg":"ECDH-ES","enc":"A128GCM","epk":{"kty":"OKP","crv":"X25519","x":"AAAA"}}`,
	} {
		refused(t, hdr, priv, withHeader(good, hdr))
	}
}

func withHeader(compact, header string) string {
	parts := strings.Split(compact, ".")
	parts[0] = base64.RawURLEncoding.EncodeToString([]byte(header))
	return strings.Join(parts, ".")
}

// TestTamperingRefused flips one bit in each part of every vector.
func TestTamperingRefused(t *testing.T) {
	priv := b64(t, meriadocD)
	for _, v := range nodeVectors {
		parts := strings.Split(v.compact, ".")
		for i, p := range parts {
			raw, _ := base64.RawURLEncoding.DecodeString(p)
			if len(raw) == 0 {
				continue
			}
			for _, at := range []int{0, len(raw) - 1} {
				q := append([]string(nil), parts...)
				flipped := append([]byte(nil), raw...)
				flipped[at] ^= 1
				q[i] = base64.RawURLEncoding.EncodeToString(flipped)
				refused(t, v.alg+" "+v.enc+" part "+string(rune('0'+i)), priv, strings.Join(q, "."))
			}
		}
		refused(t, "truncated tag", priv, v.compact[:len(v.compact)-2])
		refused(t, "sixth part", priv, v.compact+".")
		refused(t, "JSON serialization", priv, `{"protected":"`+parts[0]+`","iv":"`+parts[2]+`","ciphertext":"`+parts[3]+`","tag":"`+parts[4]+`"}`)
	}
	// Direct ECDH-ES carries no encrypted key (RFC 7518 4.6).
	v := nodeVectors[0]
	refused(t, "ECDH-ES with an encrypted key", priv, strings.Replace(v.compact, "..", ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.", 1))
}

func TestWrongKeyRefused(t *testing.T) {
	for _, v := range nodeVectors {
		refused(t, "fresh key "+v.alg+" "+v.enc, NewKey(), v.compact)
	}
	for _, bad := range [][]byte{nil, make([]byte, 32), make([]byte, 31), []byte(strings.Repeat("\xff", 32))} {
		refused(t, "invalid private key", bad, nodeVectors[0].compact)
	}
}

func TestOversizedRefused(t *testing.T) {
	priv := NewKey()
	fits := make([]byte, MaxCompactLen/2)
	if _, err := Decrypt(priv, seal(t, priv, jose.ECDH_ES, jose.A256GCM, nil, fits)); err != nil {
		t.Fatalf("a JWE under the bound: %v", err)
	}
	big := make([]byte, MaxCompactLen)
	_, _ = rand.Read(big)
	s := seal(t, priv, jose.ECDH_ES, jose.A256GCM, nil, big)
	if len(s) <= MaxCompactLen {
		t.Fatal("test JWE not over the bound")
	}
	refused(t, "oversized", priv, s)
}
