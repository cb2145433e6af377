package seal

import (
	"bytes"
	"crypto/hpke"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// KDFParams are the Argon2id parameters that turn a passphrase into the key
// wrapping a user's private key. They are stored beside the wrapped key; the
// salt is not secret but must be fresh for every wrap.
type KDFParams struct {
	// Time is the number of Argon2id passes.
	Time uint32
	// MemoryKiB is the memory Argon2id uses, in KiB.
	MemoryKiB uint32
	// Threads is the Argon2id parallelism.
	Threads uint8
	// Salt is random, at least 16 bytes.
	Salt []byte
}

// Bounds on KDF parameters. The upper ones stop a tampered store from
// making an unlock consume much time or memory: at most 256 MiB and 16
// passes (4 times the default's memory, 8 times its passes).
const (
	minKDFMemoryKiB = 1 << 10   // 1 MiB
	maxKDFMemoryKiB = 256 << 10 // 256 MiB
	maxKDFTime      = 16
	maxKDFThreads   = 64
	minSaltLen      = 16
	maxSaltLen      = 64
)

// DefaultKDFParams returns the production parameters (2 passes, 64 MiB,
// 2 threads) with a fresh random 16-byte salt.
func DefaultKDFParams() KDFParams {
	return KDFParams{Time: 2, MemoryKiB: 64 << 10, Threads: 2, Salt: randomBytes(16)}
}

// TestKDFParams returns cheap parameters (1 pass, 1 MiB, 1 thread) with a
// fresh random 16-byte salt. They are for tests only, in any package: they
// make passphrases far cheaper to guess.
func TestKDFParams() KDFParams {
	return KDFParams{Time: 1, MemoryKiB: minKDFMemoryKiB, Threads: 1, Salt: randomBytes(16)}
}

func (p KDFParams) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxKDFTime:
		return fmt.Errorf("seal: KDF time must be between 1 and %d", maxKDFTime)
	case p.MemoryKiB < minKDFMemoryKiB || p.MemoryKiB > maxKDFMemoryKiB:
		return fmt.Errorf("seal: KDF memory must be between %d and %d KiB", minKDFMemoryKiB, maxKDFMemoryKiB)
	case p.Threads < 1 || p.Threads > maxKDFThreads:
		return fmt.Errorf("seal: KDF threads must be between 1 and %d", maxKDFThreads)
	case len(p.Salt) < minSaltLen || len(p.Salt) > maxSaltLen:
		return fmt.Errorf("seal: KDF salt must be between %d and %d bytes", minSaltLen, maxSaltLen)
	}
	return nil
}

func (p KDFParams) derive(passphrase string) []byte {
	return argon2.IDKey([]byte(passphrase), p.Salt, p.Time, p.MemoryKiB, p.Threads, KeySize)
}

var errEmptyPassphrase = errors.New("seal: passphrase is empty")

// UserKey is a user's HPKE key pair (ML-KEM-768+X25519) as stored: the
// public key in the clear and the private key wrapped with AES-256-GCM under
// Argon2id(passphrase, KDF). No passphrase is stored; nothing in a UserKey
// decrypts data without one.
type UserKey struct {
	// Public is the serialized HPKE public key; SealTo accepts it.
	Public []byte
	// WrappedPrivate is the private key sealed under the passphrase key,
	// bound to Public.
	WrappedPrivate []byte
	// KDF holds the parameters and salt to derive the passphrase key.
	KDF KDFParams
}

// NewUserKey generates a key pair and wraps its private key under a key
// derived from passphrase with p. It fails on an empty passphrase or
// parameters outside sane bounds.
func NewUserKey(passphrase string, p KDFParams) (UserKey, error) {
	if passphrase == "" {
		return UserKey{}, errEmptyPassphrase
	}
	if err := p.validate(); err != nil {
		return UserKey{}, err
	}
	priv, err := userKEM().GenerateKey()
	if err != nil {
		return UserKey{}, errors.New("seal: cannot generate user key pair")
	}
	raw, err := priv.Bytes()
	if err != nil {
		return UserKey{}, errors.New("seal: cannot serialize user private key")
	}
	return wrapUserKey(priv.PublicKey().Bytes(), raw, passphrase, p)
}

func wrapUserKey(public, private []byte, passphrase string, p KDFParams) (UserKey, error) {
	p.Salt = bytes.Clone(p.Salt)
	a, err := newAEAD(p.derive(passphrase))
	if err != nil {
		return UserKey{}, err
	}
	return UserKey{
		Public:         bytes.Clone(public),
		WrappedPrivate: sealBlob(a, 0, userKeyContext(public), private),
		KDF:            p,
	}, nil
}

func userKeyContext(public []byte) []byte {
	return appendLP([]byte("cardvault/user-key/v1\x00"), string(public))
}

// Unlock derives the passphrase key and opens the private key. A wrong
// passphrase, or a wrapped key that was altered or belongs to another public
// key, returns ErrWrongPassphrase. Unlocking costs one Argon2id run.
func (u UserKey) Unlock(passphrase string) (*UnlockedKey, error) {
	if err := u.KDF.validate(); err != nil {
		return nil, err
	}
	if _, err := blobVersion(u.WrappedPrivate); err != nil {
		return nil, ErrWrongPassphrase
	}
	a, err := newAEAD(u.KDF.derive(passphrase))
	if err != nil {
		return nil, err
	}
	raw, err := openBlob(a, u.WrappedPrivate, userKeyContext(u.Public))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	priv, err := userKEM().NewPrivateKey(raw)
	if err != nil || !bytes.Equal(priv.PublicKey().Bytes(), u.Public) {
		return nil, errors.New("seal: user key is corrupt")
	}
	return &UnlockedKey{priv: priv}, nil
}

// Rewrap returns the same key pair wrapped under newPass with p, after
// checking oldPass (ErrWrongPassphrase if it is wrong). The public key does
// not change, so everything sealed to it stays readable with newPass.
func (u UserKey) Rewrap(oldPass, newPass string, p KDFParams) (UserKey, error) {
	if newPass == "" {
		return UserKey{}, errEmptyPassphrase
	}
	if err := p.validate(); err != nil {
		return UserKey{}, err
	}
	k, err := u.Unlock(oldPass)
	if err != nil {
		return UserKey{}, err
	}
	raw, err := k.priv.Bytes()
	if err != nil {
		return UserKey{}, errors.New("seal: cannot serialize user private key")
	}
	return wrapUserKey(u.Public, raw, newPass, p)
}

// UnlockedKey is a user's private key, available only after Unlock with the
// right passphrase. Keep it for as short a time as possible. It is safe for
// concurrent use and redacts itself when formatted or logged.
type UnlockedKey struct {
	priv hpke.PrivateKey
}

// Public returns the serialized public key matching this private key.
func (k *UnlockedKey) Public() []byte { return k.priv.PublicKey().Bytes() }
