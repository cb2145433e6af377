package seal

import (
	"crypto/hpke"
	"errors"
	"fmt"
)

// The HPKE suite is fixed by the format byte: ML-KEM-768+X25519 (X-Wing),
// HKDF-SHA256, AES-256-GCM, base mode.
const (
	hpkeFormatV1 byte = 1
	xwingEncLen  int  = 1120
)

func userKEM() hpke.KEM { return hpke.MLKEM768X25519() }

// SealTo encrypts plaintext to a user's public key with single-shot HPKE
// (ML-KEM-768+X25519, HKDF-SHA256, AES-256-GCM), bound to info. The result,
// format byte | encapsulated key | ciphertext, opens only with the matching
// private key and the same info. Anyone with the public key can seal; only
// the passphrase holder can open.
func SealTo(public, info, plaintext []byte) ([]byte, error) {
	pk, err := userKEM().NewPublicKey(public)
	if err != nil {
		return nil, errors.New("seal: invalid user public key")
	}
	ct, err := hpke.Seal(pk, hpke.HKDFSHA256(), hpke.AES256GCM(), info, plaintext)
	if err != nil {
		return nil, errors.New("seal: HPKE seal failed")
	}
	return append([]byte{hpkeFormatV1}, ct...), nil
}

// Open decrypts a blob made by SealTo for this key with the same info. It
// returns the whole plaintext or an error wrapping ErrOpen and no plaintext.
func (k *UnlockedKey) Open(info, blob []byte) ([]byte, error) {
	if len(blob) < 1+xwingEncLen+tagLen {
		return nil, fmt.Errorf("%w: too short", ErrOpen)
	}
	if blob[0] != hpkeFormatV1 {
		return nil, fmt.Errorf("%w: unknown format %d", ErrOpen, blob[0])
	}
	pt, err := hpke.Open(k.priv, hpke.HKDFSHA256(), hpke.AES256GCM(), info, blob[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrOpen)
	}
	return pt, nil
}

func userDEKInfo(info []byte) []byte {
	return appendLP([]byte("cardvault/user-dek/v1\x00"), string(info))
}

// NewUserDataKey makes a fresh data key for storing data under a user key:
// fields are sealed with the returned Sealer, and sealedKey (the data key
// sealed to userPublic, bound to info) is stored beside them. Only
// OpenUserDataKey with the user's unlocked key and the same info recovers it.
// The Sealer's key version is derived from the key, so every field records
// which data key sealed it.
func NewUserDataKey(userPublic, info []byte) (dk *Sealer, sealedKey []byte, err error) {
	key := randomBytes(KeySize)
	sealedKey, err = SealTo(userPublic, userDEKInfo(info), key)
	if err != nil {
		return nil, nil, err
	}
	return NewSealer(newDataKey(keyID(key), key)), sealedKey, nil
}

// OpenUserDataKey recovers a data key made by NewUserDataKey with the same
// info and returns a Sealer that opens (and seals) with it. Failures wrap
// ErrOpen.
func (k *UnlockedKey) OpenUserDataKey(sealedKey, info []byte) (*Sealer, error) {
	return k.openDataKey(sealedKey, userDEKInfo(info))
}

func (k *UnlockedKey) openDataKey(sealedKey, info []byte) (*Sealer, error) {
	key, err := k.Open(info, sealedKey)
	if err != nil {
		return nil, err
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: sealed data key has the wrong length", ErrOpen)
	}
	return NewSealer(newDataKey(keyID(key), key)), nil
}
