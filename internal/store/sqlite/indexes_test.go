package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// The expiry indexes hold only rows that expire, and the queries that look
// for expired rows still use them (a full scan of a million cards would
// come back in every cleanup pass otherwise).
func TestExpiryIndexesArePartialAndUsed(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "i.db"))
	ctx := t.Context()
	for _, ix := range []string{"cards_expires_at", "records_expires_at"} {
		var partial int
		if err := db.reader.QueryRowContext(ctx, `SELECT partial FROM pragma_index_list(?) WHERE name = ?`,
			strings.TrimSuffix(ix, "_expires_at"), ix).Scan(&partial); err != nil || partial != 1 {
			t.Errorf("%s: partial %d, %v", ix, partial, err)
		}
	}
	for query, ix := range map[string]string{
		`SELECT id FROM cards WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`:                        "cards_expires_at",
		`SELECT kind, id FROM records WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`:                "records_expires_at",
		`DELETE FROM records WHERE expires_at <= ? AND tenant = ? AND kind = ? AND key = ? AND id <> ?`: "",
	} {
		rows, err := db.reader.QueryContext(ctx, `EXPLAIN QUERY PLAN `+query, 1, 2, 3, 4, 5)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
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
		got := strings.Join(plan, "; ")
		if strings.Contains(got, "SCAN ") && !strings.Contains(got, "USING") {
			t.Errorf("%s scans the table: %s", query, got)
		}
		if ix != "" && !strings.Contains(got, ix) {
			t.Errorf("%s does not use %s: %s", query, ix, got)
		}
	}
}
