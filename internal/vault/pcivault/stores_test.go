package pcivault_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/postgres"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

const pvPass = "a passphrase that is long enough"

// pvStores runs fn against a pcivault.Service on SQLite and, when
// CARDVAULT_TEST_DATABASE_URL is set, on PostgreSQL (a fresh schema).
func pvStores(t *testing.T, fn func(t *testing.T, p *pcivault.Service)) {
	pvServices(t, func(t *testing.T, svc *vault.Service) {
		fn(t, pcivault.New(svc, pcivault.Options{KDF: seal.TestKDFParams}))
	})
}

// pvServices runs fn against a vault service on SQLite and, when
// CARDVAULT_TEST_DATABASE_URL is set, on PostgreSQL (a fresh schema).
func pvServices(t *testing.T, fn func(t *testing.T, svc *vault.Service)) {
	pvServicesWith(t, vault.Options{}, fn)
}

// pvServicesWith is pvServices with the vault service's options o.
func pvServicesWith(t *testing.T, o vault.Options, fn func(t *testing.T, svc *vault.Service)) {
	open := map[string]func(t *testing.T) vault.Store{
		"sqlite": func(t *testing.T) vault.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "v.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"postgres": func(t *testing.T) vault.Store {
			url := os.Getenv("CARDVAULT_TEST_DATABASE_URL")
			if url == "" {
				if os.Getenv("CARDVAULT_TEST_REQUIRE_POSTGRES") == "1" {
					t.Fatal("PostgreSQL is required but CARDVAULT_TEST_DATABASE_URL is not set")
				}
				t.Skip("CARDVAULT_TEST_DATABASE_URL is not set")
			}
			b := make([]byte, 8)
			rand.Read(b)
			schema := "t_pcivault_" + hex.EncodeToString(b)
			s, err := postgres.OpenSchema(context.Background(), url, schema)
			if err != nil {
				t.Fatalf("PostgreSQL: %v", err)
			}
			t.Cleanup(func() {
				s.Close()
				ctx := context.Background()
				if conn, err := pgx.Connect(ctx, url); err == nil {
					conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
					conn.Close(ctx)
				}
			})
			return s
		},
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			store := open[name](t)
			keyring, err := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
			if err != nil {
				t.Fatal(err)
			}
			svc := vault.New(store, keyring, o)
			if err := svc.Init(context.Background()); err != nil {
				t.Fatal(err)
			}
			fn(t, svc)
		})
	}
}

func TestPCIVaultConcurrentMergesAllLand(t *testing.T) {
	pvStores(t, func(t *testing.T, p *pcivault.Service) {
		ctx := context.Background()
		tenant := vault.DefaultTenant
		if _, _, err := p.CreateUserKey(ctx, tenant, "u", pvPass); err != nil {
			t.Fatal(err)
		}
		ref, err := p.StoreEntry(ctx, tenant, pcivault.StoreInput{User: "u", Passphrase: pvPass, Reference: "r",
			Data: []byte(`{"card_number":"4111111111111111"}`)})
		if err != nil {
			t.Fatal(err)
		}
		c, err := p.CreateCapture(ctx, tenant, pcivault.CaptureInput{User: "u", Passphrase: pvPass, TTL: time.Hour,
			LockToken: ref.Token, LockReference: "r"})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Go(func() {
				_, _, errs[i] = p.Capture(ctx, c.ID, c.Secret, pcivault.Posted{Data: []byte(fmt.Sprintf(`{"f%d":%d}`, i, i))})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("merge %d: %v", i, err)
			}
		}
		_, data, err := p.RevealEntry(ctx, tenant, "u", pvPass, ref.Token, "r")
		if err != nil {
			t.Fatal(err)
		}
		for i := range errs {
			if !strings.Contains(string(data), fmt.Sprintf(`"f%d":%d`, i, i)) {
				t.Fatalf("merge %d was lost: %s", i, data)
			}
		}
	})
}

func TestPCIVaultConcurrentStoresOfOnePair(t *testing.T) {
	pvStores(t, func(t *testing.T, p *pcivault.Service) {
		ctx := context.Background()
		tenant := vault.DefaultTenant
		if _, _, err := p.CreateUserKey(ctx, tenant, "u", pvPass); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = p.StoreEntry(ctx, tenant, pcivault.StoreInput{User: "u", Passphrase: pvPass, Reference: "r",
					Data: []byte(fmt.Sprintf(`{"card_number":"4111111111111111","v":%d}`, i))})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("store %d: %v", i, err)
			}
		}
		refs, _, err := p.ListEntries(ctx, tenant, "u", vault.Page{Limit: 100})
		if err != nil || len(refs) != 1 {
			t.Fatalf("%d entries for one token and reference (%v)", len(refs), err)
		}
	})
}

func TestPCIVaultCaptureIDRace(t *testing.T) {
	pvStores(t, func(t *testing.T, p *pcivault.Service) {
		ctx := context.Background()
		if _, _, err := p.CreateUserKey(ctx, vault.DefaultTenant, "u", pvPass); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = p.CreateCapture(ctx, vault.DefaultTenant, pcivault.CaptureInput{User: "u", Passphrase: pvPass, UniqueID: "same"})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch vault.CodeOf(err) {
			case "":
				won++
			case vault.CodeConflict:
			default:
				t.Fatalf("create: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d creates of one id succeeded: %v", won, errs)
		}
	})
}

// The zero options use the production Argon2id parameters, recorded per key
// with a fresh salt, and no key record holds the passphrase.
func TestPCIVaultRecordsKDFParams(t *testing.T) {
	c := vaulttest.NewCore(t, vault.Options{})
	svc, store := c.Vault, c.Store
	p := pcivault.New(svc, pcivault.Options{})
	ctx := context.Background()
	salts := map[string]bool{}
	for _, u := range []string{"a", "b"} {
		if _, _, err := p.CreateUserKey(ctx, vault.DefaultTenant, u, pvPass); err != nil {
			t.Fatal(err)
		}
		r, err := store.RecordByKey(ctx, vault.DefaultTenant, vault.KindUserKey, u, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			KDF struct {
				Time      uint32 `json:"time"`
				MemoryKiB uint32 `json:"memory_kib"`
				Threads   uint8  `json:"threads"`
				Salt      []byte `json:"salt"`
			} `json:"kdf"`
		}
		plain, err := svc.RecordPlaintext(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(plain, &d); err != nil {
			t.Fatal(err)
		}
		def := seal.DefaultKDFParams()
		if d.KDF.Time != def.Time || d.KDF.MemoryKiB != def.MemoryKiB || d.KDF.Threads != def.Threads || len(d.KDF.Salt) != 16 {
			t.Fatalf("key %s recorded KDF %+v", u, d.KDF)
		}
		salts[string(d.KDF.Salt)] = true
		if strings.Contains(string(r.Data), pvPass) || strings.Contains(string(plain), pvPass) {
			t.Fatal("the key record holds the passphrase")
		}
	}
	if len(salts) != 2 {
		t.Fatal("two keys share a salt")
	}
	if _, _, err := p.RevealEntry(ctx, vault.DefaultTenant, "a", "not the passphrase at all", strings.Repeat("a", 64), ""); vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Fatalf("wrong passphrase: %v", err)
	}
}
