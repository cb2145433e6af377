package seal

import (
	"crypto/cipher"
	"errors"
)

// Sealer seals and opens fields with a set of data keys: new ciphertexts use
// the current key, and Open picks whichever key a ciphertext names, so data
// sealed under older keys stays readable during rotation. A Sealer is
// immutable and safe for concurrent use.
type Sealer struct {
	current uint32
	aeads   map[uint32]cipher.AEAD
}

var errNoCurrentKey = errors.New("seal: sealer has no current data key")

// NewSealer returns a Sealer that seals with current and opens ciphertexts
// under current or any of older. Keys that hold no key material (zero
// DataKeys) are ignored; if current is one, Seal fails. When versions repeat,
// the first key given for a version wins.
func NewSealer(current DataKey, older ...DataKey) *Sealer {
	s := &Sealer{current: current.Version, aeads: make(map[uint32]cipher.AEAD, 1+len(older))}
	seen := make(map[uint32]bool, 1+len(older))
	for _, dk := range append([]DataKey{current}, older...) {
		if seen[dk.Version] {
			continue
		}
		seen[dk.Version] = true
		if dk.key == nil {
			continue
		}
		if a, err := newAEAD(dk.key[:]); err == nil {
			s.aeads[dk.Version] = a
		}
	}
	return s
}

// CurrentVersion returns the data key version that Seal uses.
func (s *Sealer) CurrentVersion() uint32 { return s.current }

// Seal encrypts plaintext with AES-256-GCM under the current data key and a
// fresh random 96-bit nonce, bound to aad. The result records the key
// version and opens only with the same aad.
func (s *Sealer) Seal(plaintext []byte, aad AAD) ([]byte, error) {
	a, ok := s.aeads[s.current]
	if !ok {
		return nil, errNoCurrentKey
	}
	return sealField(a, s.current, aad, plaintext), nil
}

// Open decrypts a ciphertext made by Seal under the data key version it
// records. It returns the whole plaintext or, if the blob is truncated,
// altered, of an unknown format or key version, or bound to another aad, an
// error wrapping ErrOpen and no plaintext.
func (s *Sealer) Open(blob []byte, aad AAD) ([]byte, error) {
	v, err := blobVersion(blob)
	if err != nil {
		return nil, err
	}
	a, ok := s.aeads[v]
	if !ok {
		return nil, unknownVersion(v)
	}
	return openField(a, blob, aad)
}

// KeyVersion returns the data key version a ciphertext names, without
// opening it, so rotation can find ciphertexts not under the current key.
// It fails for blobs of the wrong shape.
func (s *Sealer) KeyVersion(blob []byte) (uint32, error) { return blobVersion(blob) }
