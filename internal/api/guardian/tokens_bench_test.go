package guardian_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/api/guardian"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/store/keycache"
	"github.com/cardvault/cardvault/internal/store/metered"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// BenchmarkTokenize serves POST /api/pci/tokens as bench/wrk/tokenize.lua
// sends it (a new card number each request, a holder, no metadata) through
// the whole handler chain as serve builds it (access log at error, pending
// audit on, no rate limits), from several goroutines. "core" drops the
// store's inserts (its transactions write nothing), leaving the request's
// work outside the store's serial commit section; "sqlite" stores every
// card.
func BenchmarkTokenize(b *testing.B) {
	for _, discard := range []bool{true, false} {
		name := "sqlite"
		if discard {
			name = "core"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "cardvault.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { store.Close() })
			keyring, err := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
			if err != nil {
				b.Fatal(err)
			}
			d := &discardingStore{Store: store}
			log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
			reg := prometheus.NewRegistry()
			// As serve wraps its store: metrics, then the API key cache.
			svc := vault.New(keycache.New(metered.New(d, reg), 2*time.Second, keycache.DefaultMaxKeys), keyring, vault.Options{Logger: log})
			if err := svc.Init(ctx); err != nil {
				b.Fatal(err)
			}
			svc.EnablePendingAudit(server.RequestIDFrom)
			_, key, err := svc.CreateAPIKey(ctx, vault.NewAPIKey{Tenant: vault.DefaultTenant, Scopes: []vault.Scope{vault.ScopeCardsWrite}})
			if err != nil {
				b.Fatal(err)
			}
			d.discard.Store(discard)
			al := audit.New(svc.Store(), svc.MAC, svc.Keyring(), nil)
			h := server.New(server.Config{Logger: log, Registry: reg, Ready: svc,
				Facades: []server.Facade{guardian.New(api.Deps{Vault: svc, Audit: al, Log: log})}})
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			defer cpubench.Start(b)()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					pan := vaulttest.WithLuhn(fmt.Sprintf("41%013d", n.Add(1)))
					body := `{"source":{"type":"pan","account_number":"` + pan +
						`","expiry_month":12,"expiry_year":2039,"cardholder_name":"John Doe"}}`
					r := httptest.NewRequest(http.MethodPost, guardian.APIPrefix+"/pci/tokens", strings.NewReader(body))
					r.Header.Set("Content-Type", "application/json")
					r.Header.Set("X-API-Key", key)
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						b.Fatalf("status %d: %s", w.Code, w.Body)
					}
				}
			})
		})
	}
}

// discardingStore is a Store whose transactions, once discard is set, write
// no cards and no records.
type discardingStore struct {
	vault.Store
	discard atomic.Bool
}

// Tx runs fn on a transaction that drops card and record inserts.
func (d *discardingStore) Tx(ctx context.Context, fn func(vault.Store) error) error {
	if !d.discard.Load() {
		return d.Store.Tx(ctx, fn)
	}
	return fn(discardingTx{d})
}

// discardingTx is the transaction of a discardingStore.
type discardingTx struct{ *discardingStore }

func (discardingTx) CreateCard(context.Context, vault.Card) error     { return nil }
func (discardingTx) CreateRecord(context.Context, vault.Record) error { return nil }
