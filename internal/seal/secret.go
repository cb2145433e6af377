package seal

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// NewSecret returns a fresh 256-bit random secret (API key, capture secret,
// session id) as 43 characters of unpadded base64url.
func NewSecret() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// RandomID returns n random characters from A–Z, a–z, 0–9, '-' and '_',
// each uniformly distributed (6 random bits per character), for ids that
// appear in URLs. It returns "" when n <= 0.
func RandomID(n int) string {
	if n <= 0 {
		return ""
	}
	b := randomBytes(n)
	for i := range b {
		// 256 is a multiple of 64, so masking keeps every character equally likely.
		b[i] = idAlphabet[b[i]&63]
	}
	return string(b)
}

// HashSecret returns SHA-256 of secret, the only form in which a secret is
// stored. A fast hash is right here, unlike for passwords: the secrets this
// package makes carry 256 bits of entropy, so they cannot be guessed from the
// hash however cheap each guess is, and a slow hash would only cost every
// request. Do not use it for human-chosen passphrases.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// VerifySecret reports whether secret hashes to hash, comparing in constant
// time so that timing reveals nothing about the stored hash.
func VerifySecret(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(HashSecret(secret), hash) == 1
}
