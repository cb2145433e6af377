package config

import (
	"errors"
	"fmt"
	"time"
)

// KEK providers.
const (
	// KEKEnv keeps the master key in CARDVAULT_MASTER_KEY(_FILE).
	KEKEnv = "env"
	// KEKPKCS11 keeps the master key in a PKCS#11 token.
	KEKPKCS11 = "pkcs11"
)

// validateKEK reports inconsistencies in the master key settings.
func (c Config) validateKEK() []error {
	var p []error
	if c.KeyRefresh < time.Second || c.KeyRefresh > time.Hour {
		p = append(p, errors.New("key-refresh: must be between 1s and 1h"))
	}
	if c.MasterKeyPrevious != "" && c.MasterKeyPreviousFile != "" {
		p = append(p, errors.New("master-key-previous and master-key-previous-file: set one, not both"))
	}
	switch c.KEKProvider {
	case KEKEnv:
		for _, s := range []struct{ name, v string }{{"pkcs11-module", c.PKCS11Module}, {"pkcs11-token-label", c.PKCS11TokenLabel}, {"pkcs11-pin-file", c.PKCS11PINFile}, {"pkcs11-previous-key-label", c.PKCS11PreviousKeyLabel}} {
			if name, v := s.name, s.v; v != "" {
				p = append(p, fmt.Errorf("%s: set, but kek-provider is env (set kek-provider=pkcs11 to use the token)", name))
			}
		}
	case KEKPKCS11:
		for _, s := range []struct{ name, v string }{{"pkcs11-module", c.PKCS11Module}, {"pkcs11-token-label", c.PKCS11TokenLabel}, {"pkcs11-pin-file", c.PKCS11PINFile}, {"pkcs11-key-label", c.PKCS11KeyLabel}} {
			if name, v := s.name, s.v; v == "" {
				p = append(p, fmt.Errorf("%s: required when kek-provider is pkcs11", name))
			}
		}
		if c.PKCS11PreviousKeyLabel != "" && (c.MasterKeyPrevious != "" || c.MasterKeyPreviousFile != "") {
			p = append(p, errors.New("pkcs11-previous-key-label and master-key-previous: give one previous master key"))
		}
		if c.PKCS11PreviousKeyLabel == c.PKCS11KeyLabel && c.PKCS11KeyLabel != "" {
			p = append(p, errors.New("pkcs11-previous-key-label: must differ from pkcs11-key-label"))
		}
		if c.MasterKey != "" || c.MasterKeyFile != "" {
			p = append(p, errors.New("master-key: the current master key is in the PKCS#11 token; give a local key only as master-key-previous while rotating"))
		}
	default:
		p = append(p, fmt.Errorf("kek-provider: %q is not one of env, pkcs11", c.KEKProvider))
	}
	return p
}
