package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/cardvault/cardvault/internal/vault"
)

// Every statement the point-read pool runs keeps its compiled form from
// read to read (no re-prepare, which a plan that looked at a bound value
// costs once the bindings are cleared) and finds its row through an index
// (no full-scan step), whether it finds one or not.
func TestPointReadsKeepTheirPlans(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, filepath.Join(t.TempDir(), "p.db"))
	now := time.UnixMicro(time.Now().UnixMicro())
	later := now.Add(time.Hour)
	for i := range 20 {
		id := fmt.Sprintf("card_%02d", i)
		c := vault.Card{Tenant: "t", ID: id, Fingerprint: "fp" + id, BIN: "411111", Last4: "1111", Scheme: "visa",
			ExpMonth: 12, ExpYear: 2030, SealedPAN: []byte("pan"), SealedHolder: []byte("h"), Integrity: []byte("tag"),
			CreatedAt: now, UpdatedAt: now}
		if i%2 == 0 {
			c.ExpiresAt = later
		}
		if err := db.CreateCard(ctx, c); err != nil {
			t.Fatal(err)
		}
		r := vault.Record{Tenant: "t", Kind: "hold", ID: id, Parent: id, Data: []byte("d"), CreatedAt: now, UpdatedAt: now}
		if i%3 == 0 {
			r.Key, r.ExpiresAt = "key"+id, later
		}
		if err := db.CreateRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAPIKey(ctx, vault.APIKey{ID: "key_" + id, Tenant: "t", Hash: []byte("hash" + id), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 3 {
		for i := range 22 { // the last two find nothing
			id := fmt.Sprintf("card_%02d", i)
			at := now.Add(time.Duration(round) * time.Minute)
			if _, _, _, err := db.CardWithRecord(ctx, "t", id, "hold", at); err != nil && i < 20 {
				t.Fatal(err)
			}
			_, _ = db.GetCard(ctx, "t", id, at)
			_, _ = db.GetRecord(ctx, "hold", id, at)
			_, _ = db.RecordByKey(ctx, "t", "hold", "key"+id, at)
			_, _ = db.APIKeyByHash(ctx, []byte("hash"+id))
			_, _ = db.GetAPIKey(ctx, "t", "key_"+id)
		}
	}
	conn, err := db.points.get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.points.put(conn)
	if len(conn.stmts) < 6 {
		t.Fatalf("%d statements prepared on the pool's connection, want the 6 reads'", len(conn.stmts))
	}
	for query, s := range conn.stmts {
		if n := sqlite3.Xsqlite3_stmt_status(conn.tls, s, sqlite3.SQLITE_STMTSTATUS_REPREPARE, 0); n != 0 {
			t.Errorf("re-prepared %d times: %s", n, query)
		}
		if n := sqlite3.Xsqlite3_stmt_status(conn.tls, s, sqlite3.SQLITE_STMTSTATUS_FULLSCAN_STEP, 0); n != 0 {
			t.Errorf("%d full-scan steps: %s", n, query)
		}
	}
}
