package guardian

import (
	"errors"

	"github.com/cardvault/cardvault/internal/jwe"
)

// The browser SDK's card iframe encrypts the card to a public key the
// session hands out (the state's "jwk") and sends the result as a compact
// JWE (enc_payload). Each session has its own P-256 key pair; the private
// key is sealed in the session record and dropped when the session ends.
// internal/jwe opens it and says which algorithms are accepted.

// errJWE is the one answer to every payload that does not decrypt, so that
// nothing about the key or the failure leaks.
var errJWE = errors.New("enc_payload is not a JWE this session can decrypt")

// newSessionKey returns a fresh P-256 private key, as bytes.
func newSessionKey() []byte { return jwe.NewKey() }

// jwk is a public key as JSON Web Key.
type jwk = jwe.JWK

// publicJWK returns the public half of a session key as a JWK.
func publicJWK(priv []byte) (jwk, error) { return jwe.PublicJWK(priv) }

// decryptJWE opens a compact JWE sent to the session key priv.
func decryptJWE(priv []byte, compact string) ([]byte, error) {
	plain, err := jwe.Decrypt(priv, compact)
	if err != nil {
		return nil, errJWE
	}
	return plain, nil
}
