package web

import (
	"crypto/rand"
	"encoding/base64"
)

// NewNonce returns a fresh 128-bit random Content-Security-Policy nonce in
// unpadded base64url, which needs no escaping in a header or an HTML
// attribute. Use one per response and never reuse it.
func NewNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
