package sqlite

import (
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/store/migration"
	"github.com/cardvault/cardvault/internal/vault"
)

// A vault file from before migration 0006 keeps every record through it,
// with its key, parent and expiry, and the rebuilt table enforces the same
// uniqueness: set keys unique per tenant and kind, any number of records
// without one.
func TestPartialRecordKeysMigration(t *testing.T) {
	ctx := t.Context()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m migration.Migration) bool { return m.Version == 6 })
	if i < 0 {
		t.Fatal("no migration 6")
	}
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path+"?_journal_mode=WAL&_foreign_keys=1&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	if err := apply(ctx, raw, ms[:i]); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Microsecond)
	later := now.Add(time.Hour)
	old := []vault.Record{
		{Tenant: "t1", Kind: "setting", ID: "s1", Key: "alpha", Data: []byte("one"), Version: 3},
		{Tenant: "t2", Kind: "setting", ID: "s2", Key: "alpha", Data: []byte("two"), Version: 1}, // same key, other tenant
		{Tenant: "t1", Kind: "code", ID: "c1", Parent: "card_1", Data: []byte("x"), Version: 1, ExpiresAt: later},
		{Tenant: "t1", Kind: "code", ID: "c2", Parent: "card_1", Key: "k", Version: 1},
		{Tenant: "t1", Kind: "entry", ID: "e1", Data: []byte("e"), Version: 1},
		{Tenant: "t1", Kind: "entry", ID: "e2", Data: []byte("f"), Version: 1}, // a second record without key or parent
	}
	for k := range old {
		r := &old[k]
		r.CreatedAt, r.UpdatedAt = now, now
		if _, err := raw.ExecContext(ctx, `INSERT INTO records (`+recordColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Tenant, r.Kind, r.ID, nullString(r.Key), r.Parent, blob(r.Data), r.Version,
			micros(r.CreatedAt), micros(r.UpdatedAt), nullMicros(r.ExpiresAt)); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db := openTest(t, path)
	if n := migrationsApplied(t, db); n != len(ms) {
		t.Fatalf("%d migrations applied, want %d", n, len(ms))
	}
	for _, want := range old {
		got, err := db.GetRecord(ctx, want.Kind, want.ID, now)
		if err != nil {
			t.Fatalf("%s/%s: %v", want.Kind, want.ID, err)
		}
		if !recordsEqual(got, want) {
			t.Errorf("%s/%s after the migration: %+v, want %+v", want.Kind, want.ID, got, want)
		}
	}
	if r, err := db.RecordByKey(ctx, "t2", "setting", "alpha", now); err != nil || r.ID != "s2" {
		t.Errorf("by key: %+v, %v", r, err)
	}
	codes, err := db.ListRecords(ctx, vault.RecordQuery{Tenant: "t1", Kind: "code", Parent: "card_1"}, now)
	if err != nil || len(codes) != 2 {
		t.Errorf("by parent: %d records, %v", len(codes), err)
	}
	dup := vault.Record{Tenant: "t1", Kind: "setting", ID: "s3", Key: "alpha", Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateRecord(ctx, dup); !errors.Is(err, vault.ErrConflict) {
		t.Errorf("a second record with a taken key: %v, want ErrConflict", err)
	}
	if err := db.CreateRecord(ctx, vault.Record{Tenant: "t1", Kind: "entry", ID: "e3", Version: 1,
		CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Errorf("a third record without a key: %v", err)
	}
	if n, err := db.DeleteRecords(ctx, "t1", "code", "card_1"); err != nil || n != 2 {
		t.Errorf("delete by parent: %d, %v", n, err)
	}
}

// recordsEqual compares two records field by field, times to the microsecond.
func recordsEqual(a, b vault.Record) bool {
	return a.Tenant == b.Tenant && a.Kind == b.Kind && a.ID == b.ID && a.Key == b.Key &&
		a.Parent == b.Parent && string(a.Data) == string(b.Data) && a.Version == b.Version &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && a.ExpiresAt.Equal(b.ExpiresAt)
}
