package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Keyring holds the master keys (KEKs), one of them current. It wraps new
// material under the current key and unwraps material under whichever key
// wrapped it, so a new master key can be introduced and old wraps re-wrapped
// online. A Keyring is immutable and safe for concurrent use.
type Keyring struct {
	current uint32
	// keks holds the current KEK first, then the others in the order given.
	keks []KEK
	// integ holds the integrity and checkpoint keys (integrity.go).
	integ *integrityKeys
}

// NewKeyring returns a keyring of local master keys, each exactly 32 bytes,
// identified by the given versions, with current as the one used for new
// wraps. It fails if current is absent or any key has the wrong length. The
// keyring does not retain the caller's slices, so the caller may wipe them
// afterwards.
func NewKeyring(current uint32, keys map[uint32][]byte) (*Keyring, error) {
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("seal: current master key version %d is not in the keyring", current)
	}
	k := &Keyring{current: current, integ: newIntegrityKeys()}
	for _, v := range slices.Sorted(maps.Keys(keys)) {
		kek, err := newLocalKEK(v, bytes.Clone(keys[v]))
		if err != nil {
			return nil, fmt.Errorf("seal: master key version %d: %w", v, err)
		}
		if v == current {
			k.keks = append([]KEK{kek}, k.keks...)
		} else {
			k.keks = append(k.keks, kek)
		}
		k.integ.derived[v] = kek.derived
	}
	k.integ.current, k.integ.set = current, true
	return k, nil
}

// NewKeyringOf returns a keyring that wraps under current and unwraps under
// current or any of previous (tried in that order). Two KEKs with the same
// ID are allowed but the second is tried only after the first says
// ErrNotMine.
func NewKeyringOf(current KEK, previous ...KEK) (*Keyring, error) {
	if current == nil {
		return nil, errors.New("seal: keyring needs a current master key")
	}
	for _, p := range previous {
		if p == nil {
			return nil, errors.New("seal: nil previous master key")
		}
	}
	k := &Keyring{current: current.ID(), keks: append([]KEK{current}, previous...), integ: newIntegrityKeys()}
	for _, kek := range slices.Backward(k.keks) { // the current key's wins an ID collision
		if l, ok := kek.(*LocalKEK); ok {
			k.integ.derived[l.ID()] = l.derived
		}
	}
	if _, ok := k.integ.derived[k.current]; ok {
		k.integ.current, k.integ.set = k.current, true
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

// CurrentVersion returns the ID of the master key that new wraps use.
func (k *Keyring) CurrentVersion() uint32 { return k.current }

// KeyVersion returns the master key ID a wrapped blob names, without
// opening it, so that rotation can find blobs that are not yet under the
// current version. It fails for blobs of the wrong shape.
func (k *Keyring) KeyVersion(blob []byte) (uint32, error) { return blobVersion(blob) }

// Wrap seals plaintext under the current master key, bound to aad: Unwrap
// succeeds only with the same aad. The result records the master key's ID.
// It fails only if the key's provider does (an absent token, say).
func (k *Keyring) Wrap(plaintext, aad []byte) ([]byte, error) {
	header := blobHeader(k.current)
	sealed, err := k.keks[0].Wrap(plaintext, gcmAAD(header, aad))
	if err != nil {
		return nil, fmt.Errorf("seal: wrap under master key %08x: %w", k.current, err)
	}
	return append(header, sealed...), nil
}

// Unwrap opens a blob made by Wrap, trying first the master keys whose ID
// the blob records, then the others. A blob no key opens (truncated or
// altered blob, other aad, a key the keyring lacks) returns an error
// wrapping ErrOpen, and ErrUnknownKeyVersion too when no key had its ID. A
// provider failure (not a mere "not mine") stops the search and is returned
// as is, not wrapping ErrOpen, so that an absent HSM is never mistaken for a
// wrong key.
func (k *Keyring) Unwrap(blob, aad []byte) ([]byte, error) {
	v, err := blobVersion(blob)
	if err != nil {
		return nil, err
	}
	full := gcmAAD(blob[:headerLen], aad)
	known := false
	for _, pass := range []bool{true, false} {
		for _, kek := range k.keks {
			if (kek.ID() == v) != pass {
				continue
			}
			known = known || pass
			pt, err := kek.Unwrap(blob[headerLen:], full)
			if err == nil {
				return pt, nil
			}
			if !errors.Is(err, ErrNotMine) {
				return nil, fmt.Errorf("seal: unwrap under master key %08x: %w", kek.ID(), err)
			}
		}
	}
	if !known {
		return nil, unknownVersion(v)
	}
	return nil, fmt.Errorf("%w: authentication failed", ErrOpen)
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
// keyring, ErrWrongMasterKey if it does not (including when the blob names a
// master key the keyring lacks or is malformed), and the provider's error
// when a master key's provider fails.
func (k *Keyring) VerifyCheck(blob []byte) error {
	pt, err := k.Unwrap(blob, checkAAD)
	if err != nil && !errors.Is(err, ErrOpen) {
		return err // the provider failed: not a verdict on the key
	}
	if err != nil || !bytes.Equal(pt, checkPlaintext) {
		return ErrWrongMasterKey
	}
	return nil
}
