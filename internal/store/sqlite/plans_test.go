package sqlite

import (
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/store/storetest"
	"github.com/cardvault/cardvault/internal/vault"
)

// Every statement on the records table that the store runs through the
// shared contract tests finds its rows through an index: a partial index
// (migrations 0005, 0006) that a query cannot prove covers its rows would
// silently turn a lookup into a scan of every audit entry.
func TestRecordQueriesUseIndexes(t *testing.T) {
	var mu sync.Mutex
	queries := map[string]bool{}
	collect := func(c *stmtCache) {
		c.mu.RLock()
		defer c.mu.RUnlock()
		mu.Lock()
		defer mu.Unlock()
		for q := range c.stmts {
			queries[q] = true
		}
	}
	t.Run("contract", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) vault.Store {
			db := openTest(t, filepath.Join(t.TempDir(), "vault.db"))
			t.Cleanup(func() { collect(db.wstmts); collect(db.rstmts) }) // before openTest's Close
			return db
		})
	})
	db := openTest(t, filepath.Join(t.TempDir(), "plans.db"))
	// Lookups by key and listings by parent use the partial indexes made
	// for them, not a search of every record of the tenant and kind.
	wants := []struct{ in, index string }{
		{"AND key = ?", "records_tenant_kind_key"},
		{"parent = ? AND " + hasParent + " ORDER BY id", "records_tenant_kind_parent_id"},
	}
	matched := make([]int, len(wants))
	checked := 0
	for q := range queries {
		if !strings.Contains(q, " records") {
			continue
		}
		checked++
		args := make([]any, strings.Count(q, "?"))
		for i := range args {
			args[i] = "x"
		}
		rows, err := db.reader.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") {
				t.Errorf("%s\nscans: %s", q, strings.Join(plan, "; "))
			}
		}
		for i, w := range wants {
			if strings.Contains(q, w.in) {
				matched[i]++
				if !strings.Contains(strings.Join(plan, "; "), w.index) {
					t.Errorf("%s\ndoes not use %s: %s", q, w.index, strings.Join(plan, "; "))
				}
			}
		}
		if testing.Verbose() {
			t.Logf("%s\n  %s", strings.Join(strings.Fields(q), " "), strings.Join(plan, "; "))
		}
	}
	for i, w := range wants {
		if matched[i] == 0 {
			t.Errorf("no statement with %q ran", w.in)
		}
	}
	if checked < 10 {
		t.Errorf("only %d statements on records ran; the contract tests no longer reach the store's record queries", checked)
	}
}

// The records table has one unique index besides its primary key, over set
// keys only, and its parent index holds only records with a parent.
func TestRecordIndexesArePartial(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "i.db"))
	rows, err := db.reader.QueryContext(t.Context(), `SELECT name, "unique", origin, partial FROM pragma_index_list('records')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var name, origin string
		var unique, partial int
		if err := rows.Scan(&name, &unique, &origin, &partial); err != nil {
			t.Fatal(err)
		}
		got[name] = fmt.Sprintf("unique=%d origin=%s partial=%d", unique, origin, partial)
	}
	want := map[string]string{
		"sqlite_autoindex_records_1":    "unique=1 origin=pk partial=0",
		"records_tenant_kind_key":       "unique=1 origin=c partial=1",
		"records_tenant_kind_parent_id": "unique=0 origin=c partial=1",
		"records_tenant_kind_id":        "unique=0 origin=c partial=0",
		"records_expires_at":            "unique=0 origin=c partial=1",
	}
	if !maps.Equal(got, want) {
		t.Errorf("indexes of records:\n got %v\nwant %v", got, want)
	}
}
