package audit_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
)

// ackStore is the store as the log sees it, noting which events are
// durable: after a transaction has returned without error (its commit is
// on disk), every audit entry then stored, by request id.
type ackStore struct {
	vault.Store
	mu      sync.Mutex
	durable map[string]bool
	txs     atomic.Int64
}

func (s *ackStore) Tx(ctx context.Context, fn func(vault.Store) error) error {
	err := s.Store.Tx(ctx, fn)
	s.txs.Add(1)
	if err != nil {
		return err
	}
	recs, lerr := s.Store.ListRecords(ctx, vault.RecordQuery{Tenant: "default", Kind: "audit", Page: vault.Page{Limit: 100_000}}, time.Time{})
	if lerr != nil {
		return errors.Join(err, lerr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		s.durable[string(r.Data)] = true
	}
	return nil
}

// isDurable reports whether an entry of request id req was stored by a
// transaction that had returned.
func (s *ackStore) isDurable(req string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for data := range s.durable {
		if containsQuoted(data, req) {
			return true
		}
	}
	return false
}

func containsQuoted(data, s string) bool {
	q := `"request_id":"` + s + `"`
	for i := 0; i+len(q) <= len(data); i++ {
		if data[i:i+len(q)] == q {
			return true
		}
	}
	return false
}

// Two logs on one store, batches pipelined (InOrder, as on SQLite) or not,
// many callers each: every event is acknowledged only once the transaction
// that wrote it has returned, and the chain holds every event, in one
// verifiable sequence. On PostgreSQL (when CARDVAULT_TEST_DATABASE_URL is
// set) the two logs' transactions run concurrently and conflict.
func TestPipelinedBatchesAckOnlyDurableEventsAndKeepTheChain(t *testing.T) {
	for _, mode := range []string{"in order", "mixed", "one at a time", "postgres"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			var s vault.Store
			if mode == "postgres" {
				s = openPostgres(t)
			} else {
				st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				s = st
			}
			as := &ackStore{Store: s, durable: map[string]bool{}}
			logs := []*audit.Log{audit.New(as, testMAC("k1"), testKeys(t, 1), nil), audit.New(as, testMAC("k1"), testKeys(t, 1), nil)}
			switch mode {
			case "in order":
				logs[0].InOrder()
				logs[1].InOrder()
			case "mixed":
				logs[0].InOrder()
			}
			const callers, each = 16, 20
			var wg sync.WaitGroup
			var early atomic.Int64
			for c := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						req := fmt.Sprintf("r%d-%d", c, i)
						if err := logs[(c+i)%2].Record(ctx, audit.Event{Tenant: "default", Action: "forward", RequestID: req}); err != nil {
							t.Error(err)
							return
						}
						if !as.isDurable(req) {
							early.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			if n := early.Load(); n != 0 {
				t.Fatalf("%d events acknowledged before the transaction that wrote them returned", n)
			}
			for _, l := range logs {
				if n, err := l.Verify(ctx, "default"); err != nil || n != callers*each {
					t.Fatalf("verified %d entries (%v), want %d", n, err, callers*each)
				}
			}
			if as.txs.Load() >= callers*each {
				t.Errorf("%d transactions for %d events: not batched", as.txs.Load(), callers*each)
			}
		})
	}
}

// With batches pipelined, one bad event still fails alone, and the batches
// queued behind the failing one extend the chain as it stands.
func TestPipelinedBadEventFailsAlone(t *testing.T) {
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
	}, testKeys(t, 1), nil).InOrder()
	var wg sync.WaitGroup
	var failedGood, passedBad atomic.Int64
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tenant := "default"
			if i%20 == 0 {
				tenant = "ghost"
			}
			err := l.Record(ctx, audit.Event{Tenant: tenant, Action: "forward"})
			switch {
			case tenant == "default" && err != nil:
				failedGood.Add(1)
			case tenant == "ghost" && err == nil:
				passedBad.Add(1)
			}
		}()
	}
	wg.Wait()
	if failedGood.Load() != 0 || passedBad.Load() != 0 {
		t.Fatalf("%d good events failed, %d bad ones passed", failedGood.Load(), passedBad.Load())
	}
	if n, err := l.Verify(ctx, "default"); err != nil || n != 190 {
		t.Fatalf("verified %d (%v), want 190", n, err)
	}
}
