package main

import (
	"context"
	"fmt"
	"io"

	"github.com/cardvault/cardvault/internal/config"
)

// createMaster generates the master key inside the configured PKCS#11
// token (the key ceremony's one command; docs/operations.md).
func createMaster(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := config.Load("keys create-master", args, getenv, stderr)
	if err != nil {
		return err
	}
	if c.KEKProvider != config.KEKPKCS11 {
		return usageError("keys create-master: makes a key in an HSM; set CARDVAULT_KEK_PROVIDER=pkcs11 and the CARDVAULT_PKCS11_* settings " +
			"(a local master key is made with: head -c 32 /dev/urandom | base64)")
	}
	if err := createPKCS11Key(c); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created AES-256 master key %q (sensitive, non-extractable) on token %q\n", c.PKCS11KeyLabel, c.PKCS11TokenLabel)
	return nil
}
