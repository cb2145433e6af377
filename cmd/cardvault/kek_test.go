package main

import (
	"context"
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/seal"
)

func TestPreviousMasterKeyMustDiffer(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(seal.GenerateKey())
	env := envOf("CARDVAULT_DATA_DIR", t.TempDir(), "CARDVAULT_MASTER_KEY", key, "CARDVAULT_MASTER_KEY_PREVIOUS", key)
	err := run(context.Background(), []string{"keys", "list"}, env, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "previous master key: it is the current master key") {
		t.Fatalf("same key as current and previous: %v", err)
	}
}

func TestVaultKeepsOpeningAfterKeyIDsWereIntroduced(t *testing.T) {
	// A store made before master keys had derived IDs names version 1 in
	// its check value and wrapped keys; the same key must still open it.
	dir := t.TempDir()
	raw := seal.GenerateKey()
	legacy, _ := seal.NewKeyring(1, map[uint32][]byte{1: raw})
	check, _ := legacy.NewCheck()
	env := envOf("CARDVAULT_DATA_DIR", dir, "CARDVAULT_MASTER_KEY", base64.StdEncoding.EncodeToString(raw))
	ctx := context.Background()
	st, err := openStore(ctx, mustConfig(t, env))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.InsertMeta(ctx, "master_key_check", check); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := run(ctx, []string{"keys", "list"}, env, io.Discard, io.Discard); err != nil {
		t.Fatalf("legacy store refused by its own key: %v", err)
	}
}

// mustConfig loads the configuration run would load from env.
func mustConfig(t *testing.T, env func(string) string) config.Config {
	t.Helper()
	c, err := config.Load("test", nil, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
