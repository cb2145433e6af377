package seal

import (
	"bytes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Keyring holds the master keys (KEKs) by version, one of them current. It
// wraps new material under the current version and unwraps material under
// whichever version sealed it, so a new master key can be introduced and old
// wraps re-wrapped online. A Keyring is immutable and safe for concurrent use.
type Keyring struct {
	current uint32
	aeads   map[uint32]cipher.AEAD
	// derived holds the integrity and checkpoint keys of each version (integrity.go).
	derived map[uint32]derivedKeys
}

// NewKeyring returns a keyring holding keys, each exactly 32 bytes, with
// current as the version used for new wraps. It fails if current is absent
// or any key has the wrong length. The keyring does not retain the caller's
// slices, so the caller may wipe them afterwards.
func NewKeyring(current uint32, keys map[uint32][]byte) (*Keyring, error) {
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("seal: current master key version %d is not in the keyring", current)
	}
	k := &Keyring{current: current, aeads: make(map[uint32]cipher.AEAD, len(keys)), derived: make(map[uint32]derivedKeys, len(keys))}
	for v, key := range keys {
		a, err := newAEAD(bytes.Clone(key))
		if err != nil {
			return nil, fmt.Errorf("seal: master key version %d: %w", v, err)
		}
		k.aeads[v] = a
		if k.derived[v], err = deriveKeys(key); err != nil {
			return nil, fmt.Errorf("seal: master key version %d: %w", v, err)
		}
	}
	return k, nil
}

// ParseMasterKey decodes a master key given as base64 (standard or URL
// alphabet, padded or not, surrounding space ignored) and returns its 32
// bytes. Its errors never contain the input.
func ParseMasterKey(b64 string) ([]byte, error) {
	s := strings.TrimSpace(b64)
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != KeySize {
			return nil, fmt.Errorf("seal: master key decodes to %d bytes, want %d", len(b), KeySize)
		}
		return b, nil
	}
	return nil, errors.New("seal: master key is not valid base64")
}

// GenerateKey returns 32 random bytes from crypto/rand, suitable as a master
// key. It panics only if crypto/rand fails.
func GenerateKey() []byte { return randomBytes(KeySize) }

// CurrentVersion returns the master key version that new wraps use.
func (k *Keyring) CurrentVersion() uint32 { return k.current }

// KeyVersion returns the master key version a wrapped blob names, without
// opening it, so that rotation can find blobs that are not yet under the
// current version. It fails for blobs of the wrong shape.
func (k *Keyring) KeyVersion(blob []byte) (uint32, error) { return blobVersion(blob) }

// Wrap seals plaintext with AES-256-GCM under the current master key, bound
// to aad: Unwrap succeeds only with the same aad. The result records the
// master key version.
func (k *Keyring) Wrap(plaintext, aad []byte) ([]byte, error) {
	return sealBlob(k.aeads[k.current], k.current, aad, plaintext), nil
}

// Unwrap opens a blob made by Wrap under the master key version it records.
// Any failure (truncated or altered blob, unknown version, other aad, other
// key) returns an error wrapping ErrOpen and no plaintext.
func (k *Keyring) Unwrap(blob, aad []byte) ([]byte, error) {
	v, err := blobVersion(blob)
	if err != nil {
		return nil, err
	}
	a, ok := k.aeads[v]
	if !ok {
		return nil, unknownVersion(v)
	}
	return openBlob(a, blob, aad)
}

var (
	checkPlaintext = []byte("cardvault master key check value")
	checkAAD       = []byte("cardvault/check/v1")
)

// NewCheck returns a check value: a fixed known text wrapped under the
// current master key. Stored once when a data store is created, it lets
// VerifyCheck tell at start-up whether the configured key is the right one.
func (k *Keyring) NewCheck() ([]byte, error) { return k.Wrap(checkPlaintext, checkAAD) }

// VerifyCheck returns nil if blob, made by NewCheck, opens under this
// keyring, and ErrWrongMasterKey otherwise (including when the blob names a
// master key version the keyring lacks or is malformed).
func (k *Keyring) VerifyCheck(blob []byte) error {
	pt, err := k.Unwrap(blob, checkAAD)
	if err != nil || !bytes.Equal(pt, checkPlaintext) {
		return ErrWrongMasterKey
	}
	return nil
}
