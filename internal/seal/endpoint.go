package seal

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
)

// EndpointKey is the data key of one capture endpoint, stored twice: sealed
// to the owning user's public key, and wrapped under a key derived from the
// endpoint's secret. The store holds neither the secret (only its hash) nor
// the passphrase, so it can read nothing. A holder of the secret can recover
// the data key, so the vault uses the secret-derived Sealer only to seal and
// never offers reads to a secret holder; reading needs the passphrase.
// Creating one costs one HPKE seal; each capture then costs one AES-GCM seal.
type EndpointKey struct {
	// SealedToUser is the data key sealed to the user's public key (HPKE).
	SealedToUser []byte
	// WrappedBySecret is the data key wrapped under the secret-derived key.
	WrappedBySecret []byte
}

// The HKDF-SHA256 parameters that derive an endpoint's wrapping key from its
// secret. They are part of the storage format: changing them orphans every
// stored EndpointKey.
const (
	endpointHKDFSalt = "cardvault/endpoint-key/v1"
	endpointHKDFInfo = "wrap endpoint data key"
	minSecretLen     = 32
)

func endpointWrapKey(secret string) ([]byte, error) {
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("seal: endpoint secret must be at least %d characters", minSecretLen)
	}
	return hkdf.Key(sha256.New, []byte(secret), []byte(endpointHKDFSalt), endpointHKDFInfo, KeySize)
}

func endpointWrapContext(info []byte) []byte {
	return appendLP([]byte("cardvault/endpoint-wrap/v1\x00"), string(info))
}

func endpointDEKInfo(info []byte) []byte {
	return appendLP([]byte("cardvault/endpoint-dek/v1\x00"), string(info))
}

// NewEndpointKey makes a fresh data key for a capture endpoint, seals it to
// userPublic and wraps it under a key derived with HKDF-SHA256 from
// endpointSecret (at least 32 characters, such as NewSecret returns). info
// names the endpoint (for example tenant and endpoint id); both halves are
// bound to it, and the same info must be given to open either.
func NewEndpointKey(userPublic []byte, endpointSecret string, info []byte) (EndpointKey, error) {
	wk, err := endpointWrapKey(endpointSecret)
	if err != nil {
		return EndpointKey{}, err
	}
	a, err := newAEAD(wk)
	if err != nil {
		return EndpointKey{}, err
	}
	key := randomBytes(KeySize)
	sealed, err := SealTo(userPublic, endpointDEKInfo(info), key)
	if err != nil {
		return EndpointKey{}, err
	}
	return EndpointKey{
		SealedToUser:    sealed,
		WrappedBySecret: sealBlob(a, 0, endpointWrapContext(info), key),
	}, nil
}

// SealerFromSecret returns the endpoint's Sealer using its secret and the
// info given to NewEndpointKey. A wrong secret, other info or an altered key
// fails with an error wrapping ErrOpen. Ciphertexts it seals open with the
// Sealer from OpenEndpointKey, and the reverse.
func (e EndpointKey) SealerFromSecret(endpointSecret string, info []byte) (*Sealer, error) {
	wk, err := endpointWrapKey(endpointSecret)
	if err != nil {
		return nil, err
	}
	a, err := newAEAD(wk)
	if err != nil {
		return nil, err
	}
	if _, err := blobVersion(e.WrappedBySecret); err != nil {
		return nil, err
	}
	key, err := openBlob(a, e.WrappedBySecret, endpointWrapContext(info))
	if err != nil {
		return nil, err
	}
	if len(key) != KeySize {
		return nil, errors.New("seal: endpoint data key has the wrong length")
	}
	return NewSealer(newDataKey(keyID(key), key)), nil
}

// OpenEndpointKey recovers an endpoint's data key with the user's private key
// and the info given to NewEndpointKey, returning a Sealer that reads what
// the endpoint sealed. Failures wrap ErrOpen.
func (k *UnlockedKey) OpenEndpointKey(e EndpointKey, info []byte) (*Sealer, error) {
	return k.openDataKey(e.SealedToUser, endpointDEKInfo(info))
}
