//go:build pkcs11

package main

import (
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/kek/pkcs11"
)

// pkcs11Config turns the operator's settings into the provider's, reading the PIN file.
func pkcs11Config(c config.Config) (pkcs11.Config, error) {
	pin, err := pkcs11.ReadPIN(c.PKCS11PINFile)
	if err != nil {
		return pkcs11.Config{}, err
	}
	return pkcs11.Config{Module: c.PKCS11Module, TokenLabel: c.PKCS11TokenLabel, PIN: pin, KeyLabel: c.PKCS11KeyLabel}, nil
}

// openPKCS11 opens the master key in the configured PKCS#11 token.
func openPKCS11(c config.Config) (closingKEK, error) {
	pc, err := pkcs11Config(c)
	if err != nil {
		return nil, err
	}
	return pkcs11.Open(pc)
}

// createPKCS11Key generates the master key in the configured token.
func createPKCS11Key(c config.Config) error {
	pc, err := pkcs11Config(c)
	if err != nil {
		return err
	}
	return pkcs11.CreateKey(pc)
}
