package rotate_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/store/sqlite"
)

// TestCollectorReadsTheStore checks the rotation gauges the dashboard and
// the stall alert use: nothing before any rotation, the lock row's counts
// while one runs, and nothing left once it finished.
func TestCollectorReadsTheStore(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cardvault.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := rotate.NewCollector(ctx, st)
	if n := testutil.CollectAndCount(c); n != 0 {
		t.Fatalf("%d series before any rotation, want none", n)
	}
	var last []byte
	put := func(s rotate.Status) {
		t.Helper()
		b, _ := json.Marshal(s)
		var err error
		if last == nil {
			err = st.InsertMeta(ctx, "rotation_lock", b)
		} else {
			err = st.ReplaceMeta(ctx, "rotation_lock", last, b)
		}
		if err != nil {
			t.Fatal(err)
		}
		last = b
	}
	put(rotate.Status{Kind: "data", Holder: "node-1", Until: time.Now().Add(time.Hour), Done: 3, Total: 10})
	want := `
# HELP cardvault_rotation_done Items (wrapped keys, or cards and records) the running or last key rotation has moved (for data: in its current tenant).
# TYPE cardvault_rotation_done gauge
cardvault_rotation_done{kind="data"} 3
# HELP cardvault_rotation_running 1 while a key rotation holds its lease.
# TYPE cardvault_rotation_running gauge
cardvault_rotation_running{kind="data"} 1
# HELP cardvault_rotation_total Items the running or last key rotation has to move (equal to done once it finished).
# TYPE cardvault_rotation_total gauge
cardvault_rotation_total{kind="data"} 10
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	put(rotate.Status{Kind: "data", Done: 8, Total: 10, Finished: true})
	want = strings.NewReplacer(`{kind="data"} 3`, `{kind="data"} 8`, `running{kind="data"} 1`, `running{kind="data"} 0`,
		`{kind="data"} 10`, `{kind="data"} 8`).Replace(want)
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
