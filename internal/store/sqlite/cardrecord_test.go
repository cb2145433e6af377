package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// The card and its record are each found by key, never by a scan: the
// card by (tenant, id), the record by (tenant, kind, id) or (kind, id).
func TestCardWithRecordUsesKeys(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "i.db"))
	rows, err := db.reader.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+cardWithRecordQuery, "k", 1, "t", "id", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(plan, "; ")
	if len(plan) != 2 || strings.Contains(got, "SCAN ") {
		t.Errorf("plan: %s", got)
	}
	for _, want := range []string{"SEARCH c USING INDEX", "SEARCH r USING INDEX"} {
		if !strings.Contains(got, want) {
			t.Errorf("plan %q lacks %q", got, want)
		}
	}
}
