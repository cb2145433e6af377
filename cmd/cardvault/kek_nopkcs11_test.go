//go:build !pkcs11

package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

func TestDefaultBuildSaysHowToGetPKCS11(t *testing.T) {
	env := envOf("CARDVAULT_DATA_DIR", t.TempDir(), "CARDVAULT_KEK_PROVIDER", "pkcs11", "CARDVAULT_PKCS11_MODULE", "/m.so",
		"CARDVAULT_PKCS11_TOKEN_LABEL", "t", "CARDVAULT_PKCS11_PIN_FILE", "/pin")
	for _, args := range [][]string{{"keys", "list"}, {"keys", "create-master"}} {
		err := run(context.Background(), args, env, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "-tags pkcs11") {
			t.Fatalf("%v with kek-provider pkcs11 in a default build: %v", args, err)
		}
	}
}
