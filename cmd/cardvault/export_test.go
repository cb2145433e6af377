package main

import (
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

func TestExportImportCommands(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	src := envOf("CARDVAULT_DATA_DIR", filepath.Join(work, "a"), "CARDVAULT_MASTER_KEY", base64.StdEncoding.EncodeToString(seal.GenerateKey()))
	dst := envOf("CARDVAULT_DATA_DIR", filepath.Join(work, "b"), "CARDVAULT_MASTER_KEY", base64.StdEncoding.EncodeToString(seal.GenerateKey()))
	if err := run(ctx, []string{"tenants", "create", "shop"}, src, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	svc, store, err := openVault(ctx, mustConfig(t, src), newLogger(io.Discard, "error"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	exp, _ := card.NewExpiry(3, 2039)
	for _, p := range []string{"4111111111111111", "5555555555554444", "378282246310005"} {
		pan, _ := card.ParsePAN(p)
		v, err := svc.CreateCard(ctx, "shop", vault.CardInput{PAN: pan, Expiry: exp, Holder: "H"})
		if err != nil {
			t.Fatal(err)
		}
		want[v.ID] = p
	}
	store.Close()

	id, _ := age.GenerateX25519Identity()
	idFile := filepath.Join(work, "id.txt")
	os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600)
	out := filepath.Join(work, "shop.cvx")
	var stdout strings.Builder
	if err := run(ctx, []string{"export", "--tenant", "shop", "--recipient", id.Recipient().String(), "--out", out}, src, &stdout, io.Discard); err != nil {
		t.Fatalf("export: %v", err)
	}
	if !strings.Contains(stdout.String(), "exported 3 cards") {
		t.Fatalf("export said %q", stdout.String())
	}
	if err := run(ctx, []string{"export", "--tenant", "nobody", "--recipient", id.Recipient().String(), "--out", out + "2"}, src, io.Discard, io.Discard); err == nil {
		t.Fatal("export of an unknown tenant ran")
	}
	if _, err := os.Stat(out + "2"); err == nil {
		t.Fatal("a failed export left a file")
	}

	if err := run(ctx, []string{"tenants", "create", "shop"}, dst, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	for i, wantSum := range []string{"imported 3, duplicates 0, rejected 0", "imported 0, duplicates 3, rejected 0"} {
		stdout.Reset()
		if err := run(ctx, []string{"import", "--tenant=shop", "--identity", idFile, out}, dst, &stdout, io.Discard); err != nil {
			t.Fatalf("import %d: %v", i, err)
		}
		if !strings.Contains(stdout.String(), wantSum) {
			t.Fatalf("import %d said %q, want %q", i, stdout.String(), wantSum)
		}
	}
	svc, store, err = openVault(ctx, mustConfig(t, dst), newLogger(io.Discard, "error"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for cid, p := range want {
		rc, err := svc.RevealCard(ctx, "shop", cid)
		if err != nil || rc.PAN.Digits() != p {
			t.Fatalf("card %s after import: %v", cid, err)
		}
	}
	stdout.Reset()
	if err := run(ctx, []string{"audit", "list", "--tenant=shop"}, dst, &stdout, io.Discard); err != nil || !strings.Contains(stdout.String(), "cards.import") {
		t.Fatalf("import not audited: %v", err)
	}
}
