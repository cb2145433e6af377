package metered_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/store/metered"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/store/storetest"
	"github.com/cardvault/cardvault/internal/vault"
)

// The wrapper must keep every promise of the store it wraps.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vault.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return metered.New(db, prometheus.NewRegistry())
	})
}

func TestRecordsLatencyByOperationAndOutcome(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg := prometheus.NewRegistry()
	s := metered.New(db, reg)
	s.GetMeta(ctx, "absent")
	s.InsertMeta(ctx, "k", []byte("v"))
	s.Tx(ctx, func(tx vault.Store) error { return tx.InsertMeta(ctx, "k", []byte("v")) })
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetValue())
			}
			got[strings.Join(labels, "/")] = m.GetHistogram().GetSampleCount()
		}
	}
	want := map[string]uint64{"get_meta/not_found": 1, "insert_meta/ok": 1, "insert_meta/conflict": 1, "tx/conflict": 1}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s observed %d times, want %d (all: %v)", k, got[k], n, got)
		}
	}
}
