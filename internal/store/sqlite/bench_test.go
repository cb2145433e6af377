package sqlite

import (
	"context"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// BenchmarkGroupCommit runs small durable transactions from many goroutines
// at once, as concurrent requests do: one record insert each (about the
// size of an audit entry), each acknowledged once its group's COMMIT is
// synced. The contexts are cancellable, like a request's.
func BenchmarkGroupCommit(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := openTest(b, filepath.Join(b.TempDir(), "g.db"))
	data := make([]byte, 400)
	now := time.Now()
	var n atomic.Int64
	b.SetParallelism(32) // 32 × GOMAXPROCS goroutines
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := strconv.FormatInt(n.Add(1), 10)
			err := db.Tx(ctx, func(tx vault.Store) error {
				return tx.CreateRecord(ctx, vault.Record{Tenant: "t", Kind: "entry", ID: id, Data: data, Version: 1,
					CreatedAt: now, UpdatedAt: now})
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// reportCPU starts counting the process's CPU time (user and system); the
// function it returns reports it per operation as cpu-µs/op, a figure that
// does not depend on how much of the machine the benchmark got.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// cpuTime is the process's CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
