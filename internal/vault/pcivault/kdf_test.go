package pcivault_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// kdfTestPass is a passphrase long enough for a user key.
const kdfTestPass = "a passphrase that is long enough"

// Argon2id parameters come from the store with the wrapped key, so a
// tampered store must not make an unlock cost more than 256 MiB or 16
// passes: such parameters are refused before any derivation (an internal
// error, not a wrong passphrase), while the production defaults unlock.
func TestPCIVaultRefusesCostlyKDFFromTheStore(t *testing.T) {
	svc := vaulttest.NewCore(t, vault.Options{}).Vault
	p := pcivault.New(svc, pcivault.Options{KDF: seal.DefaultKDFParams, UnlockCacheTTL: -1})
	ctx := context.Background()
	if _, _, err := p.CreateUserKey(ctx, vault.DefaultTenant, "u", kdfTestPass); err != nil {
		t.Fatal(err)
	}
	ref, err := p.StoreEntry(ctx, vault.DefaultTenant, pcivault.StoreInput{User: "u", Passphrase: kdfTestPass, Data: []byte(`{"a":1}`)})
	if err != nil {
		t.Fatalf("the default parameters: %v", err)
	}
	for name, tamper := range map[string]func(kdf map[string]any){
		"17 passes":       func(kdf map[string]any) { kdf["time"] = 17; kdf["memory_kib"] = 1 << 10 },
		"256 MiB + 1 KiB": func(kdf map[string]any) { kdf["time"] = 1; kdf["memory_kib"] = 256<<10 + 1 },
	} {
		t.Run(name, func(t *testing.T) {
			// Only a writer holding the tenant's data key can get this far:
			// anyone else's change does not even open.
			r, err := pcivault.UserRecords.ByKey(ctx, svc, vault.DefaultTenant, "u")
			if err != nil {
				t.Fatal(err)
			}
			var kdf map[string]any
			raw, _ := json.Marshal(r.Value.KDF)
			if err := json.Unmarshal(raw, &kdf); err != nil {
				t.Fatal(err)
			}
			tamper(kdf)
			raw, _ = json.Marshal(kdf)
			if err := json.Unmarshal(raw, &r.Value.KDF); err != nil {
				t.Fatal(err)
			}
			if _, err := pcivault.UserRecords.Update(ctx, svc, r); err != nil {
				t.Fatal(err)
			}
			_, _, err = p.RevealEntry(ctx, vault.DefaultTenant, "u", kdfTestPass, ref.Token, "")
			if vault.CodeOf(err) != vault.CodeInternal {
				t.Fatalf("unlock with tampered parameters: %v, want an internal error", err)
			}
		})
	}
}
