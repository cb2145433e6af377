// Package jwe opens the compact JWEs a browser card form encrypts to a
// per-session key. It is a thin layer over go-jose (v4) restricted to what
// the sessions accept, and nothing else:
//
//   - key management: ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A256KW, with an
//     ephemeral P-256 key ("epk") and the recipient's P-256 key;
//   - content encryption: A128GCM, A256GCM, A128CBC-HS256, A256CBC-HS512;
//   - compact serialization, one recipient, no compression ("zip"), no
//     critical header parameters, at most MaxCompactLen bytes.
//
// Every refusal is the one error ErrDecrypt, so that a caller cannot
// become an oracle for what was wrong with a ciphertext or a key.
package jwe

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// MaxCompactLen bounds a compact JWE: a card payload is far smaller.
const MaxCompactLen = 64 << 10

// ErrDecrypt is the one answer to every input that does not decrypt.
var ErrDecrypt = errors.New("jwe: not a JWE this key can decrypt")

// keyAlgorithms and contentEncryptions are all that Decrypt accepts.
var (
	keyAlgorithms      = []jose.KeyAlgorithm{jose.ECDH_ES, jose.ECDH_ES_A128KW, jose.ECDH_ES_A256KW}
	contentEncryptions = []jose.ContentEncryption{jose.A128GCM, jose.A256GCM, jose.A128CBC_HS256, jose.A256CBC_HS512}
)

// NewKey returns a fresh P-256 private key as its 32-byte scalar, the form
// in which callers seal and store it.
func NewKey() []byte {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		panic("jwe: generate key: " + err.Error()) // crypto/rand does not fail
	}
	return k.Bytes()
}

// JWK is the public half of a key as a JSON Web Key (RFC 7517), the form a
// browser form encrypts to.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Kid string `json:"kid,omitempty"`
}

// PublicJWK returns the public half of the P-256 private key priv. Its kid
// is the hex of the first 8 bytes of SHA-256 over the uncompressed point.
func PublicJWK(priv []byte) (JWK, error) {
	k, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return JWK{}, err
	}
	pub := k.PublicKey().Bytes() // 0x04 || X || Y
	sum := sha256.Sum256(pub)
	b64 := base64.RawURLEncoding.EncodeToString
	return JWK{Kty: "EC", Crv: "P-256", X: b64(pub[1:33]), Y: b64(pub[33:65]), Use: "enc", Alg: string(jose.ECDH_ES),
		Kid: hex.EncodeToString(sum[:8])}, nil
}

// Decrypt opens the compact JWE sent to the P-256 private key priv and
// returns its plaintext, or ErrDecrypt.
func Decrypt(priv []byte, compact string) ([]byte, error) {
	if len(compact) > MaxCompactLen {
		return nil, ErrDecrypt
	}
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), priv)
	if err != nil {
		return nil, ErrDecrypt
	}
	obj, err := jose.ParseEncryptedCompact(compact, keyAlgorithms, contentEncryptions)
	if err != nil || !acceptable(obj.Header, compact) {
		return nil, ErrDecrypt
	}
	plain, err := obj.Decrypt(key)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// acceptable checks what go-jose allows but the sessions do not: a "zip"
// header, an ephemeral key on another curve, and (for direct ECDH-ES) an
// encrypted key, which RFC 7518 section 4.6 requires to be empty.
func acceptable(h jose.Header, compact string) bool {
	if _, zip := h.ExtraHeaders["zip"]; zip {
		return false
	}
	epk, _ := h.ExtraHeaders["epk"].(map[string]any)
	if epk["kty"] != "EC" || epk["crv"] != "P-256" {
		return false
	}
	if h.Algorithm == string(jose.ECDH_ES) {
		_, rest, _ := strings.Cut(compact, ".")
		if !strings.HasPrefix(rest, ".") {
			return false
		}
	}
	return true
}
