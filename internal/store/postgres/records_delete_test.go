package postgres

import (
	"fmt"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// DeleteRecordIDs deletes a batch in one statement, only the tenant's
// records of that kind, and says how many went, so that the audit log
// notices an event another node linked first.
func TestDeleteRecordIDs(t *testing.T) {
	db, writes := countedDB(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	if err := db.CreateRecords(ctx, records("del", 6, now)); err != nil {
		t.Fatal(err)
	}
	other := vault.Record{Tenant: "b", Kind: "k", ID: "del-other", Data: []byte("x"), Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateRecord(ctx, other); err != nil {
		t.Fatal(err)
	}
	var n [2]int
	got := roundTrips(t, writes, func(run int) error {
		ids := []string{"del-003"} // the measured run
		if run == 0 {
			ids = []string{"del-000", "del-001", "del-002", "del-other", "absent"}
		}
		var err error
		n[run], err = db.DeleteRecordIDs(ctx, "a", "k", ids)
		return err
	})
	if n[0] != 3 || n[1] != 1 {
		t.Fatalf("deleted %d and %d, want 3 (not another tenant's, not an absent one) and 1", n[0], n[1])
	}
	if got != 1 {
		t.Errorf("a batch delete made %d round trips, want 1", got)
	}
	list, err := db.ListRecords(ctx, vault.RecordQuery{Tenant: "a", Kind: "k", Page: vault.Page{Limit: 10}}, now)
	if err != nil || len(list) != 2 || fmt.Sprint(list[0].ID, list[1].ID) != "del-004del-005" {
		t.Fatalf("left %v, %v; want del-004 and del-005", list, err)
	}
	if _, err := db.GetRecord(ctx, "k", "del-other", now); err != nil {
		t.Fatalf("another tenant's record went: %v", err)
	}
}
