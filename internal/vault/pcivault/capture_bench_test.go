package pcivault_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/postgres"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// BenchmarkCapture posts card data to one capture endpoint on SQLite from
// 64 goroutines, a new reference each post, as the capture scenario of
// bench/wrk.sh does (CPU per post without HTTP).
func BenchmarkCapture(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "v.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchCapture(b, s)
}

// BenchmarkCapturePostgres is BenchmarkCapture on PostgreSQL (a fresh
// schema of CARDVAULT_TEST_DATABASE_URL); the database's own CPU is not
// counted.
func BenchmarkCapturePostgres(b *testing.B) {
	url := os.Getenv("CARDVAULT_TEST_DATABASE_URL")
	if url == "" {
		b.Skip("CARDVAULT_TEST_DATABASE_URL is not set")
	}
	ctx := context.Background()
	schema := "b_pvcapture_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	s, err := postgres.OpenSchema(ctx, url, schema)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		s.Close()
		if conn, err := pgx.Connect(ctx, url); err == nil {
			conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
			conn.Close(ctx)
		}
	}()
	benchCapture(b, s)
}

// benchCapture posts to one capture endpoint on store s from 64 goroutines.
func benchCapture(b *testing.B, s vault.Store) {
	ctx := context.Background()
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
	c, err := p.CreateCapture(ctx, tenant, pcivault.CaptureInput{User: "u", Passphrase: pvPass})
	if err != nil {
		b.Fatal(err)
	}
	data := []byte(`{"card_number":"4111 1111 1111 1111","card_holder":"J DOE","card_expiry":"06-2025"}`)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32) // 64 goroutines on two cores
	b.ResetTimer()
	start := cpubench.Used()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ref := "r" + strconv.FormatInt(n.Add(1), 10)
			if _, _, err := p.Capture(ctx, c.ID, c.Secret, pcivault.Posted{Reference: ref, Data: data}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(cpubench.Used()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkStoreEntry stores card data with the passphrase (POST /v1/vault)
// on SQLite from 64 goroutines, a new reference each, once the user key is
// unlocked (CPU per store without HTTP).
func BenchmarkStoreEntry(b *testing.B) {
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
	data := []byte(`{"card_number":"4111 1111 1111 1111","card_holder":"J DOE","card_expiry":"06-2025"}`)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	b.ResetTimer()
	start := cpubench.Used()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ref := "r" + strconv.FormatInt(n.Add(1), 10)
			if _, err := p.StoreEntry(ctx, tenant, pcivault.StoreInput{User: "u", Passphrase: pvPass, Reference: ref, Data: data}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(cpubench.Used()-start)/float64(b.N), "cpu-ns/op")
}
