package pcivault_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// BenchmarkRevealEntry reads one captured card back with its passphrase on
// SQLite, as the reveal-pcivault scenario does once the unlock window is
// warm (CPU per reveal without HTTP, authentication or audit).
func BenchmarkRevealEntry(b *testing.B) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "v.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	keyring, err := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
	if err != nil {
		b.Fatal(err)
	}
	svc := vault.New(s, keyring, vault.Options{})
	if err := svc.Init(ctx); err != nil {
		b.Fatal(err)
	}
	p := pcivault.New(svc, pcivault.Options{KDF: seal.TestKDFParams})
	tenant := vault.DefaultTenant
	if _, _, err := p.CreateUserKey(ctx, tenant, "u", pvPass); err != nil {
		b.Fatal(err)
	}
	ref, err := p.StoreEntry(ctx, tenant, pcivault.StoreInput{User: "u", Passphrase: pvPass, Reference: "r",
		Data: []byte(`{"card_number":"4111 1111 1111 1111","card_holder":"J DOE","card_expiry":"06-2025"}`)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpubench.Used()
	for b.Loop() {
		if _, _, err := p.RevealEntry(ctx, tenant, "u", pvPass, ref.Token, "r"); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time of the whole process (the store's goroutines and the
	// collector included) per reveal: unlike ns/op, it does not depend on
	// how much of a shared machine the benchmark got.
	b.ReportMetric(float64(cpubench.Used()-start)/float64(b.N), "cpu-ns/op")
}
