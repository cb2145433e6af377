package audit_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
)

func newLog(t *testing.T) (*audit.Log, vault.Store) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return audit.New(s, testMAC("k1"), testKeys(t, 1), nil), s
}

// testKeys is a keyring on a master key made from seed.
func testKeys(tb testing.TB, seed byte) *seal.Keyring {
	tb.Helper()
	k, err := seal.NewKeyring(1, map[uint32][]byte{1: bytes.Repeat([]byte{seed}, seal.KeySize)})
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func TestChainHoldsUnderConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	l, _ := newLog(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if err := l.Record(ctx, audit.Event{Tenant: "default", Actor: "key_x", Action: "forward", Targets: []string{string(rune('a' + i))}}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	n, err := l.Verify(ctx, "default")
	if err != nil || n != 80 {
		t.Fatalf("verified %d entries (%v), want 80", n, err)
	}
	if err := l.Record(ctx, audit.Event{Tenant: "other", Action: "card.reveal"}); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Verify(ctx, "other"); err != nil || n != 1 {
		t.Fatalf("other tenant: %d %v", n, err)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	ctx := context.Background()
	for name, tamper := range map[string]func(vault.Store, vault.Record){
		"altered entry": func(s vault.Store, r vault.Record) {
			r.Data = []byte(strings.Replace(string(r.Data), `"card.reveal"`, `"card.read"`, 1))
			if _, err := s.UpdateRecord(ctx, r, time.Time{}); err != nil {
				t.Fatal(err)
			}
		},
		"removed entry": func(s vault.Store, r vault.Record) {
			if err := s.DeleteRecord(ctx, r.Tenant, r.Kind, r.ID); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			l, s := newLog(t)
			for _, a := range []string{"forward", "card.reveal", "forward"} {
				if err := l.Record(ctx, audit.Event{Tenant: "default", Action: a}); err != nil {
					t.Fatal(err)
				}
			}
			recs, err := s.ListRecords(ctx, vault.RecordQuery{Tenant: "default", Kind: "audit"}, time.Time{})
			if err != nil || len(recs) != 3 {
				t.Fatalf("%d entries, %v", len(recs), err)
			}
			tamper(s, recs[1])
			if _, err := l.Verify(ctx, "default"); err == nil {
				t.Fatal("Verify did not notice")
			}
		})
	}
}

// testMAC is an HMAC under a fixed key, standing in for the vault's tenant keys.
func testMAC(key string) audit.MACFunc {
	return func(_ context.Context, tenant, domain, value string) (string, error) {
		m := hmac.New(sha256.New, []byte(key+"/"+tenant))
		m.Write([]byte(domain + "\x00" + value))
		return hex.EncodeToString(m.Sum(nil)), nil
	}
}

// Rewriting the chain with plain hashes, or with another key, is detected.
func TestVerifyNeedsTheKey(t *testing.T) {
	ctx := context.Background()
	l, s := newLog(t)
	for range 3 {
		if err := l.Record(ctx, audit.Event{Tenant: "default", Action: "forward"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Verify(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	forger := audit.New(s, testMAC("attacker"), testKeys(t, 1), nil)
	if _, err := forger.Verify(ctx, "default"); err == nil {
		t.Fatal("a chain verified under a key that did not make it")
	}
}

// An event the log cannot record (its tenant has no key) fails alone; the
// events batched with it are still written.
func TestOneBadEventDoesNotFailItsBatch(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	good := testMAC("k1")
	l := audit.New(s, func(ctx context.Context, tenant, domain, value string) (string, error) {
		if tenant == "ghost" {
			return "", errors.New("unknown tenant")
		}
		return good(ctx, tenant, domain, value)
	}, testKeys(t, 1), nil)
	var wg sync.WaitGroup
	var failedGood atomic.Int64
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tenant := "default"
			if i%25 == 0 {
				tenant = "ghost"
			}
			err := l.Record(ctx, audit.Event{Tenant: tenant, Action: "forward"})
			if tenant == "default" && err != nil {
				failedGood.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := failedGood.Load(); n != 0 {
		t.Fatalf("%d good events failed with a bad one", n)
	}
	if n, err := l.Verify(ctx, "default"); err != nil || n != 96 {
		t.Fatalf("verified %d (%v), want 96", n, err)
	}
}

// Whatever a caller puts in an event, no card number is stored in the
// clear: details, targets and the other texts pass the one detector.
func TestEventsNeverStoreACardNumber(t *testing.T) {
	ctx := context.Background()
	l, s := newLog(t)
	err := l.Record(ctx, audit.Event{Tenant: "default", Actor: "key_x", Action: "forward",
		Targets: []string{"4111 1111 1111 1111"},
		Detail:  map[string]string{"host": "5105105105105100.invalid", "error": "provider said 4012.8888.8888.1881", "4222222222222": "k"}})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := s.ListRecords(ctx, vault.RecordQuery{Tenant: "default", Kind: "audit", Page: vault.Page{Limit: 10}}, time.Time{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for _, pan := range []string{"4111111111111111", "4111 1111 1111 1111", "5105105105105100", "4012.8888.8888.1881", "4222222222222"} {
		if strings.Contains(string(recs[0].Data), pan) {
			t.Errorf("audit entry stores %q in the clear: %s", pan, recs[0].Data)
		}
	}
	if n, err := l.Verify(ctx, "default"); err != nil || n != 1 {
		t.Fatalf("verify: %d %v", n, err)
	}
}
