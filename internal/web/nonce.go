package web

import (
	"crypto/rand"
	"encoding/base64"
)

// NewNonce returns a fresh 128-bit random Content-Security-Policy nonce in
// base64. Use one per response and never reuse it.
func NewNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
