package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/seal"
)

// openKeyring builds the keyring: the current master key from the
// configured provider (env or pkcs11) and, while a rotation is under way,
// the previous one (CARDVAULT_MASTER_KEY_PREVIOUS), which unwraps but never
// wraps. The closer releases the provider (an HSM session).
func openKeyring(c config.Config, log *slog.Logger) (*seal.Keyring, io.Closer, error) {
	var (
		current seal.KEK
		closer  io.Closer = nopCloser{}
	)
	switch c.KEKProvider {
	case config.KEKPKCS11:
		k, err := openPKCS11(c)
		if err != nil {
			return nil, nil, err
		}
		current, closer = k, k
	default:
		key, err := loadMasterKey(c, log)
		if err != nil {
			return nil, nil, err
		}
		if current, err = seal.NewLocalKEK(key); err != nil {
			return nil, nil, fmt.Errorf("master key: %w", err)
		}
	}
	var previous []seal.KEK
	if c.MasterKeyPrevious != "" || c.MasterKeyPreviousFile != "" || c.PKCS11PreviousKeyLabel != "" {
		p, err := previousKEK(c)
		if err != nil {
			closer.Close()
			return nil, nil, err
		}
		if pc, ok := p.(io.Closer); ok { // closed first: the current key's session owns the module
			closer = closers{pc, closer}
		}
		if p.ID() == current.ID() {
			closer.Close()
			return nil, nil, errors.New("previous master key: it is the current master key; give the new key as the current one")
		}
		previous = append(previous, p)
	}
	kr, err := seal.NewKeyringOf(current, previous...)
	if err != nil {
		closer.Close()
		return nil, nil, err
	}
	return kr, closer, nil
}

// previousKEK reads CARDVAULT_MASTER_KEY_PREVIOUS(_FILE), or opens the
// previous key on the token (CARDVAULT_PKCS11_PREVIOUS_KEY_LABEL).
func previousKEK(c config.Config) (seal.KEK, error) {
	if c.PKCS11PreviousKeyLabel != "" {
		prev := c
		prev.PKCS11KeyLabel = c.PKCS11PreviousKeyLabel
		return openPKCS11(prev)
	}
	b64 := c.MasterKeyPrevious
	if c.MasterKeyPreviousFile != "" {
		raw, err := os.ReadFile(c.MasterKeyPreviousFile)
		if err != nil {
			return nil, fmt.Errorf("read previous master key file: %w", err)
		}
		b64 = string(raw)
	}
	key, err := seal.ParseMasterKey(b64)
	if err != nil {
		return nil, fmt.Errorf("previous master key: %w", err)
	}
	return seal.NewLocalKEK(key)
}

// closingKEK is a master key whose provider holds resources.
type closingKEK interface {
	seal.KEK
	io.Closer
}

// closers closes each in order.
type closers []io.Closer

func (cs closers) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// withKEK is a store that also releases the master key's provider when closed.
type withKEK struct {
	storeCloser
	kek io.Closer
}

func (s withKEK) Close() error { return errors.Join(s.storeCloser.Close(), s.kek.Close()) }
