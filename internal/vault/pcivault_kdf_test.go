package vault_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// Argon2id parameters come from the store with the wrapped key, so a
// tampered store must not make an unlock cost more than 256 MiB or 16
// passes: such parameters are refused before any derivation (an internal
// error, not a wrong passphrase), while the production defaults unlock.
func TestPCIVaultRefusesCostlyKDFFromTheStore(t *testing.T) {
	svc, store, _, _ := newService(t)
	p := vault.NewPCIVault(svc, vault.PCIVaultOptions{KDF: seal.DefaultKDFParams, UnlockCacheTTL: -1})
	ctx := context.Background()
	if _, _, err := p.CreateUserKey(ctx, vault.DefaultTenant, "u", pvPass); err != nil {
		t.Fatal(err)
	}
	ref, err := p.StoreEntry(ctx, vault.DefaultTenant, vault.PCIStoreInput{User: "u", Passphrase: pvPass, Data: []byte(`{"a":1}`)})
	if err != nil {
		t.Fatalf("the default parameters: %v", err)
	}
	for name, tamper := range map[string]func(kdf map[string]any){
		"17 passes":       func(kdf map[string]any) { kdf["time"] = 17; kdf["memory_kib"] = 1 << 10 },
		"256 MiB + 1 KiB": func(kdf map[string]any) { kdf["time"] = 1; kdf["memory_kib"] = 256<<10 + 1 },
	} {
		t.Run(name, func(t *testing.T) {
			r, err := store.RecordByKey(ctx, vault.DefaultTenant, vault.PCIKindUser, "u", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var d map[string]any
			if err := json.Unmarshal(r.Data, &d); err != nil {
				t.Fatal(err)
			}
			tamper(d["kdf"].(map[string]any))
			if r.Data, err = json.Marshal(d); err != nil {
				t.Fatal(err)
			}
			if _, err := store.UpdateRecord(ctx, r, time.Now()); err != nil {
				t.Fatal(err)
			}
			_, _, err = p.RevealEntry(ctx, vault.DefaultTenant, "u", pvPass, ref.Token, "")
			if vault.CodeOf(err) != vault.CodeInternal {
				t.Fatalf("unlock with tampered parameters: %v, want an internal error", err)
			}
		})
	}
}
