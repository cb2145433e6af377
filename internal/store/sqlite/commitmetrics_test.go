package sqlite

import (
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/cardvault/cardvault/internal/vault"
)

// The committer's metrics count every transaction of every group commit,
// and every committed transaction's wait for its group.
func TestCommitMetricsCountGroupsAndTransactions(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "m.db"))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(db.Collector())
	ctx := t.Context()
	const n = 40
	now := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := db.Tx(ctx, func(tx vault.Store) error {
				return tx.CreateRecord(ctx, vault.Record{Tenant: "t", Kind: "entry", ID: strconv.Itoa(i), Version: 1,
					CreatedAt: now, UpdatedAt: now})
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := gather(t, reg)
	groups := got["cardvault_sqlite_commit_groups_total"][0].GetCounter().GetValue()
	if jobs := got["cardvault_sqlite_commit_transactions_total"][0].GetCounter().GetValue(); jobs != n {
		t.Errorf("transactions %v, want %d", jobs, n)
	}
	if groups < 1 || groups > n {
		t.Errorf("groups %v for %d transactions", groups, n)
	}
	size := got["cardvault_sqlite_commit_group_size"][0].GetHistogram()
	if float64(size.GetSampleCount()) != groups || size.GetSampleSum() != n {
		t.Errorf("group sizes: %d groups summing to %v, want %v and %d", size.GetSampleCount(), size.GetSampleSum(), groups, n)
	}
	if c := got["cardvault_sqlite_commit_queue_wait_seconds"][0].GetHistogram().GetSampleCount(); c != n {
		t.Errorf("queue waits observed %d, want %d", c, n)
	}
	if busy := got["cardvault_sqlite_commit_busy_seconds_total"]; len(busy) != 2 || busy[0].GetCounter().GetValue() <= 0 || busy[1].GetCounter().GetValue() <= 0 {
		t.Errorf("busy time: %v", busy)
	}
}

// gather returns the registry's metrics by name.
func gather(t *testing.T, reg *prometheus.Registry) map[string][]*dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*dto.Metric{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf.GetMetric()
	}
	return out
}
