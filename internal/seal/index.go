package seal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
)

// IndexKey is a tenant's 256-bit blind-index key. Its HMACs let the vault
// recognise equal values (the same card stored twice, a search by PAN)
// without decrypting anything, while revealing nothing to anyone without the
// key. The zero IndexKey holds no key; using it panics. An IndexKey redacts
// itself when formatted or logged; compare keys by their Bytes, not with ==.
type IndexKey struct {
	// k is behind a pointer so that even an IndexKey nested in an
	// unexported field of another struct prints as an address, not bytes.
	k *[KeySize]byte
	// macs are keyed HMAC states for k (macpool.go), made with it and
	// dropped with it.
	macs *macPool
}

// NewIndexKey returns a fresh random index key.
func NewIndexKey() IndexKey {
	return newIndexKey((*[KeySize]byte)(randomBytes(KeySize)))
}

func newIndexKey(k *[KeySize]byte) IndexKey {
	return IndexKey{k: k, macs: newMACPool(k[:])}
}

// IndexKeyFromBytes returns the index key whose Bytes are b. It fails unless
// b is 32 bytes and not all zero.
func IndexKeyFromBytes(b []byte) (IndexKey, error) {
	if len(b) != KeySize {
		return IndexKey{}, fmt.Errorf("seal: index key must be exactly %d bytes", KeySize)
	}
	k := [KeySize]byte(b)
	if k == [KeySize]byte{} {
		return IndexKey{}, errors.New("seal: index key is all zeros")
	}
	return newIndexKey(&k), nil
}

// Bytes returns a copy of the key, for wrapping under the master key.
func (ik IndexKey) Bytes() []byte {
	ik.mustBeSet()
	return append([]byte(nil), ik.k[:]...)
}

// Fingerprint returns hex(HMAC-SHA256(ik, "pan:"+digits)): equal digit
// strings give equal fingerprints under one key, and different keys give
// unrelated ones. Callers pass the normalized PAN, digits only.
func (ik IndexKey) Fingerprint(normalizedPAN string) string {
	return ik.mac(panPrefix, normalizedPAN)
}

var panPrefix = []byte("pan:")

// Sum returns a hex HMAC-SHA256 of value under ik, separated by domain: the
// same value in different domains, or under different keys, gives unrelated
// results, and no Sum ever equals a Fingerprint.
func (ik IndexKey) Sum(domain, value string) string {
	var pre [64]byte
	return ik.mac(appendLP(append(pre[:0], "sum/v1:"...), domain), value)
}

// mac returns hex(HMAC-SHA256(ik, prefix || value)), with a pooled keyed
// state rather than a fresh HMAC per call.
func (ik IndexKey) mac(prefix []byte, value string) string {
	ik.mustBeSet()
	s := ik.macs.get()
	// Grown once, before the message is written, so that no reallocation
	// drops a copy of it uncleared.
	s.buf = slices.Grow(s.buf, len(prefix)+len(value)+sha256.Size)
	s.buf = append(append(s.buf, prefix...), value...)
	s.h.Write(s.buf)
	n := len(s.buf)
	s.buf = s.h.Sum(s.buf) // the sum goes after the message, in the scratch buffer
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], s.buf[n:])
	ik.macs.put(s)
	return string(out[:])
}

func (ik IndexKey) mustBeSet() {
	if ik.k == nil {
		panic("seal: use of a zero IndexKey")
	}
}

func indexKeyContext(tenant string) []byte {
	return appendLP([]byte("cardvault/index-key/v1\x00"), tenant)
}

// WrapIndexKey wraps ik under the current master key, bound to tenant: the
// result unwraps only for the same tenant.
func (k *Keyring) WrapIndexKey(tenant string, ik IndexKey) ([]byte, error) {
	if ik.k == nil {
		return nil, errors.New("seal: index key holds no key")
	}
	return k.Wrap(ik.k[:], indexKeyContext(tenant))
}

// UnwrapIndexKey opens an index key made by WrapIndexKey for the same
// tenant; any other tenant, alteration or master key fails with an error
// wrapping ErrOpen.
func (k *Keyring) UnwrapIndexKey(tenant string, wrapped []byte) (IndexKey, error) {
	b, err := k.Unwrap(wrapped, indexKeyContext(tenant))
	if err != nil {
		return IndexKey{}, err
	}
	ik, err := IndexKeyFromBytes(b)
	if err != nil {
		return IndexKey{}, fmt.Errorf("%w: wrapped index key is malformed", ErrOpen)
	}
	return ik, nil
}
