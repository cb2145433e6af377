package pcivault

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
)

// BenchmarkLiveUser measures the user key check a capture's transaction
// makes (liveUser: a point read of the user record, opened, not decoded)
// beside a full read that decodes it, on SQLite, in CPU per check.
func BenchmarkLiveUser(b *testing.B) {
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
	p := New(svc, Options{KDF: seal.TestKDFParams})
	tenant := vault.DefaultTenant
	if _, _, err := p.CreateUserKey(ctx, tenant, "u", "a passphrase that is long enough"); err != nil {
		b.Fatal(err)
	}
	u, err := p.loadUser(ctx, p.s, tenant, "u")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		fn   func() error
	}{
		{"check", func() error { return p.liveUser(ctx, p.s, tenant, u, false) }},
		{"get", func() error { _, err := userRecords.Get(ctx, p.s, tenant, u.rec.ID); return err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			start := cpubench.Used()
			for b.Loop() {
				if err := c.fn(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpubench.Used()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}
