package seal

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// DataKey is a 256-bit data encryption key (DEK) with its version. Only
// NewDataKey and the unwrap functions make usable ones; the zero DataKey
// holds no key and seals nothing. A DataKey redacts itself when formatted or
// logged.
type DataKey struct {
	// Version identifies the key inside every ciphertext it seals.
	Version uint32
	// key is behind a pointer so that even a DataKey nested in an
	// unexported field of another struct prints as an address, not bytes.
	key *[KeySize]byte
}

func newDataKey(version uint32, key []byte) DataKey {
	return DataKey{Version: version, key: (*[KeySize]byte)(key)}
}

// NewDataKey returns a fresh random data key with the given version.
func NewDataKey(version uint32) DataKey {
	return newDataKey(version, randomBytes(KeySize))
}

// dekContext binds a wrapped data key to its tenant and version.
func dekContext(tenant string, version uint32) []byte {
	b := appendLP([]byte("cardvault/dek/v1\x00"), tenant)
	return binary.BigEndian.AppendUint32(b, version)
}

// WrapDataKey wraps dk under the current master key, bound to tenant and
// dk.Version: the result unwraps only for the same tenant and version.
func (k *Keyring) WrapDataKey(tenant string, dk DataKey) ([]byte, error) {
	if dk.key == nil {
		return nil, fmt.Errorf("seal: data key version %d holds no key", dk.Version)
	}
	return k.Wrap(dk.key[:], dekContext(tenant, dk.Version))
}

// UnwrapDataKey opens a data key made by WrapDataKey for the same tenant and
// version. A wrapped key moved to another tenant or version, altered, or
// wrapped under another master key fails with an error wrapping ErrOpen.
func (k *Keyring) UnwrapDataKey(tenant string, version uint32, wrapped []byte) (DataKey, error) {
	key, err := k.Unwrap(wrapped, dekContext(tenant, version))
	if err != nil {
		return DataKey{}, err
	}
	if len(key) != KeySize {
		return DataKey{}, fmt.Errorf("%w: wrapped data key has the wrong length", ErrOpen)
	}
	return newDataKey(version, key), nil
}

// keyID derives a 32-bit version for a data key that has no assigned
// version (user and endpoint keys), so that every ciphertext still names the
// key that sealed it. It reveals nothing useful about a 256-bit random key.
func keyID(key []byte) uint32 {
	h := sha256.New()
	h.Write([]byte("cardvault/key-id/v1\x00"))
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil))
}
