//go:build pkcs11

package main

import (
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/kek/pkcs11/softhsmtest"
	"github.com/cardvault/cardvault/internal/seal"
)

// A vault moves its master key from a local key into a SoftHSM2 token with
// rotate master, then runs on the token alone and refuses the old key.
func TestPKCS11MasterKeyEndToEnd(t *testing.T) {
	ctx := context.Background()
	tok := softhsmtest.Token(t)
	pinFile := filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(pinFile, []byte(tok.PIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	local := base64.StdEncoding.EncodeToString(seal.GenerateKey())
	hsm := []string{"CARDVAULT_DATA_DIR", dir, "CARDVAULT_KEK_PROVIDER", "pkcs11", "CARDVAULT_PKCS11_MODULE", tok.Module,
		"CARDVAULT_PKCS11_TOKEN_LABEL", tok.TokenLabel, "CARDVAULT_PKCS11_PIN_FILE", pinFile, "CARDVAULT_PKCS11_KEY_LABEL", "e2e-master"}
	var out strings.Builder
	if err := run(ctx, []string{"keys", "create-master"}, envOf(hsm...), &out, io.Discard); err != nil {
		t.Fatalf("keys create-master: %v", err)
	}
	if !strings.Contains(out.String(), "non-extractable") {
		t.Fatalf("create-master said %q", out.String())
	}

	before := envOf("CARDVAULT_DATA_DIR", dir, "CARDVAULT_MASTER_KEY", local)
	if err := run(ctx, []string{"tenants", "create", "shop"}, before, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"keys", "list"}, envOf(hsm...), io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "master key does not match") {
		t.Fatalf("token key on a store of the local key: %v", err)
	}
	out.Reset()
	during := envOf(append(hsm, "CARDVAULT_MASTER_KEY_PREVIOUS", local)...)
	if err := run(ctx, []string{"rotate", "master"}, during, &out, io.Discard); err != nil {
		t.Fatalf("rotate master into the token: %v", err)
	}
	if !strings.Contains(out.String(), "4 keys re-wrapped") {
		t.Fatalf("rotate master said %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"keys", "status"}, envOf(hsm...), &out, io.Discard); err != nil {
		t.Fatalf("token alone after rotation: %v", err)
	}
	if strings.Count(out.String(), "(current)") != 4 {
		t.Fatalf("keys status:\n%s", out.String())
	}
	if err := run(ctx, []string{"keys", "list"}, before, io.Discard, io.Discard); err == nil {
		t.Fatal("old local key alone accepted after moving into the token")
	}

	// At the end of its cryptoperiod the token key is replaced by another
	// key on the same token.
	next := append(hsm[:len(hsm):len(hsm)], "CARDVAULT_PKCS11_KEY_LABEL", "e2e-master-2")
	if err := run(ctx, []string{"keys", "create-master"}, envOf(next...), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"rotate", "master"}, envOf(append(next, "CARDVAULT_PKCS11_PREVIOUS_KEY_LABEL", "e2e-master")...), &out, io.Discard); err != nil {
		t.Fatalf("rotate master between two token keys: %v", err)
	}
	if !strings.Contains(out.String(), "4 keys re-wrapped") {
		t.Fatalf("rotate master said %q", out.String())
	}
	if err := run(ctx, []string{"keys", "list"}, envOf(next...), io.Discard, io.Discard); err != nil {
		t.Fatalf("second token key alone: %v", err)
	}
	if err := run(ctx, []string{"keys", "list"}, envOf(hsm...), io.Discard, io.Discard); err == nil {
		t.Fatal("first token key alone accepted after rotating away from it")
	}

	wrongPIN := filepath.Join(t.TempDir(), "pin")
	os.WriteFile(wrongPIN, []byte("0000-wrong\n"), 0o600)
	bad := envOf(append(hsm[:len(hsm):len(hsm)], "CARDVAULT_PKCS11_PIN_FILE", wrongPIN)...)
	err := run(ctx, []string{"keys", "list"}, bad, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "refused the PIN") {
		t.Fatalf("wrong PIN: %v", err)
	}
}
