package seal

import (
	"crypto/cipher"
	"errors"
	"fmt"
)

// ErrNotMine is what a KEK's Unwrap returns (possibly wrapped) when the
// bytes it was given were not wrapped by its key, were altered, or were
// bound to other additional data: the caller may try another key. AES-GCM
// cannot tell these apart, and must not be made to.
var ErrNotMine = errors.New("seal: not wrapped by this key")

// KEK is a key-encryption key: the master key, held by a provider (this
// package's LocalKEK, a PKCS#11 token, a cloud KMS) that wraps and unwraps
// data keys without ever handing out its own key material.
//
// The contract, which every provider must keep:
//
//   - Wrap seals plaintext (at most a few hundred bytes of key material)
//     with an AEAD under the KEK, bound to aad, and returns opaque bytes
//     that only this KEK's Unwrap opens, and only with the same aad. It
//     uses a fresh nonce per call. Any error is fatal: nothing is written.
//   - Unwrap returns the whole plaintext or an error, never partial or
//     unauthenticated bytes. If authentication fails (another key's bytes,
//     altered bytes, other aad) the error wraps ErrNotMine, and the caller
//     may try its next key. Any other error (device absent, session lost,
//     PIN refused, KMS unreachable or throttled) is fatal: the caller stops
//     and reports it, and must not take it for a bad ciphertext.
//   - ID is a stable 32-bit name for the key, written into the header of
//     every blob so that the Keyring tries the right KEK first and rotation
//     can find blobs not yet under the current key. Different keys should
//     have different IDs; a collision only costs an extra attempt.
//   - Errors never contain key material, PINs or plaintext.
//   - A KEK is safe for concurrent use.
//
// Wrap and Unwrap take no context: the vault unwraps a tenant's keys once
// and caches them, and a provider that talks to a network bounds each call
// with its own timeout. docs/kms.md describes a cloud KMS adapter.
type KEK interface {
	ID() uint32
	Wrap(plaintext, aad []byte) ([]byte, error)
	Unwrap(sealed, aad []byte) ([]byte, error)
}

// LocalKEK is a master key held in process memory, as given by
// CARDVAULT_MASTER_KEY or CARDVAULT_MASTER_KEY_FILE. It seals with
// AES-256-GCM and a random 96-bit nonce.
type LocalKEK struct {
	id   uint32
	aead cipher.AEAD
	// derived are the integrity keys derived from the key itself, used
	// until the vault installs its integrity seed (Keyring.UseIntegritySeed)
	// and to verify tags made before it had one.
	derived derivedKeys
}

var _ KEK = (*LocalKEK)(nil)

// NewLocalKEK returns a KEK for a 32-byte key whose ID is derived from the
// key itself (a truncated SHA-256 under a fixed label, which reveals
// nothing useful about a 256-bit random key), so that the same key has the
// same ID on every node and a different key almost surely another. It does
// not retain key; the caller may wipe it.
func NewLocalKEK(key []byte) (*LocalKEK, error) {
	if len(key) != KeySize {
		return nil, errKeySize
	}
	return newLocalKEK(keyID(key), key)
}

func newLocalKEK(id uint32, key []byte) (*LocalKEK, error) {
	a, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	d, err := deriveKeys(key)
	if err != nil {
		return nil, err
	}
	return &LocalKEK{id: id, aead: a, derived: d}, nil
}

// ID returns the key's identifier.
func (k *LocalKEK) ID() uint32 { return k.id }

// Wrap returns nonce || AES-256-GCM(plaintext, aad).
func (k *LocalKEK) Wrap(plaintext, aad []byte) ([]byte, error) {
	out := randomBytes(nonceLen)
	return k.aead.Seal(out, out, plaintext, aad), nil
}

// Unwrap opens what Wrap returned; a failure wraps ErrNotMine.
func (k *LocalKEK) Unwrap(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < nonceLen+tagLen {
		return nil, fmt.Errorf("%w: too short", ErrNotMine)
	}
	pt, err := k.aead.Open(nil, sealed[:nonceLen], sealed[nonceLen:], aad)
	if err != nil {
		return nil, ErrNotMine
	}
	return pt, nil
}
