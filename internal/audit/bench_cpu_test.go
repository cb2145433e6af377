package audit_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
)

// countingStore counts the transactions asked of the store.
type countingStore struct {
	vault.Store
	txs atomic.Int64
}

func (s *countingStore) Tx(ctx context.Context, fn func(vault.Store) error) error {
	s.txs.Add(1)
	return s.Store.Tx(ctx, fn)
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRecordCPU records events from 32 goroutines per core into a
// SQLite store, as reveals and forwards do, and reports the process's CPU
// time per event (cpu-µs/op), the figure a loaded machine moves least:
// batches committed one at a time, and pipelined (InOrder, as served);
// and into PostgreSQL (CARDVAULT_TEST_DATABASE_URL; the client's CPU only);
// and the median and 99th percentile of a caller's wait in Record.
func BenchmarkRecordCPU(b *testing.B) {
	for _, mode := range []string{"one-at-a-time", "in-order", "postgres"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			var s vault.Store
			if mode == "postgres" {
				s = openPostgres(b)
			} else {
				st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "a.db"))
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				s = st
			}
			cs := &countingStore{Store: s}
			l := audit.New(cs, testMAC("k1"), testKeys(b, 1), nil)
			if mode == "in-order" {
				l.InOrder()
			}
			ev := audit.Event{Tenant: "default", Actor: "key_0123456789", Action: "forward", Targets: []string{"tok_0123456789abcdef"},
				Detail: map[string]string{"host": "api.example.com", "method": "POST"}, RequestID: "req_0123456789"}
			b.SetParallelism(32)
			b.ReportAllocs()
			var mu sync.Mutex
			var waits []time.Duration
			start := cpuTime(b)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					t0 := time.Now()
					if err := l.Record(ctx, ev); err != nil {
						b.Fatal(err)
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				waits = append(waits, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			b.ReportMetric(float64((cpuTime(b)-start).Microseconds())/float64(b.N), "cpu-µs/op")
			b.ReportMetric(float64(b.N)/float64(cs.txs.Load()), "events/tx")
			// How long a caller waits for its event to be durable: what a
			// reveal or forward adds to its latency.
			slices.Sort(waits)
			b.ReportMetric(float64(waits[len(waits)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(waits[len(waits)*99/100].Microseconds()), "p99-µs")
		})
	}
}
