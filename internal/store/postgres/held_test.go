package postgres

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// An audit batch's writes in the AtCommit view (a new entry, the head's
// versioned update, the deletion of the pending events it linked) go out
// with the COMMIT: after the head's read, one round trip. Every write is
// committed, and the view answered as the store will hold it.
func TestHeldCheckedWritesRoundTrips(t *testing.T) {
	db, writes := countedDB(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	head := vault.Record{Tenant: "a", Kind: "head", ID: "a", Data: []byte("0"), CreatedAt: now, UpdatedAt: now}
	for i := range 4 {
		if err := db.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "pending", ID: fmt.Sprint("p", i), CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateRecord(ctx, head); err != nil {
		t.Fatal(err)
	}
	got := roundTrips(t, writes, func(run int) error {
		return db.Tx(ctx, func(s vault.Store) error {
			h, err := s.GetRecord(ctx, "head", "a", time.Time{})
			if err != nil {
				return err
			}
			held := vault.AtCommit(s)
			if err := held.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "entry", ID: fmt.Sprint("e", run), CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
			h.Data = fmt.Append(nil, run+1)
			out, err := held.UpdateRecord(ctx, h, now)
			if err != nil {
				return err
			}
			if out.Version != h.Version+1 || string(out.Data) != string(h.Data) {
				t.Errorf("held update answered version %d data %q, want %d %q", out.Version, out.Data, h.Version+1, h.Data)
			}
			ids := []string{fmt.Sprint("p", 2*run), fmt.Sprint("p", 2*run+1), fmt.Sprint("p", 2*run)}
			n, err := vault.DeleteRecordIDs(ctx, held, "a", "pending", ids)
			if n != 2 || err != nil {
				t.Errorf("held delete of two distinct ids = %d, %v; want 2, nil", n, err)
			}
			return err
		})
	})
	if got != 2 {
		t.Errorf("head read then held entry, update and delete made %d round trips, want 2", got)
	}
	h, err := db.GetRecord(ctx, "head", "a", time.Time{})
	if err != nil || h.Version != 3 || string(h.Data) != "2" {
		t.Errorf("head after two batches: version %d data %q (%v), want 3 \"2\"", h.Version, h.Data, err)
	}
	left, err := db.ListRecords(ctx, vault.RecordQuery{Tenant: "a", Kind: "pending"}, time.Time{})
	if err != nil || len(left) != 0 {
		t.Errorf("pending left after both batches: %d (%v), want 0", len(left), err)
	}
	for _, id := range []string{"e0", "e1"} {
		if _, err := db.GetRecord(ctx, "entry", id, time.Time{}); err != nil {
			t.Errorf("entry %s: %v", id, err)
		}
	}
}

// A held update of a version that moved on, of a record that is gone, or a
// held delete of an id already deleted (what another node linking the
// same pending events first looks like) fails the commit with ErrConflict,
// and nothing of the transaction is written. The connection serves the
// next transaction.
func TestHeldCheckedWritesConflict(t *testing.T) {
	db, _ := countedDB(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	if err := db.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "head", ID: "a", Data: []byte("0"), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "pending", ID: "p", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	stored, err := db.GetRecord(ctx, "head", "a", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	stale, gone := stored, stored
	stale.Version++
	gone.ID = "gone"
	for _, tc := range []struct {
		name  string
		write func(held vault.Store) error
	}{
		{"stale version", func(held vault.Store) error { _, err := held.UpdateRecord(ctx, stale, now); return err }},
		{"missing record", func(held vault.Store) error { _, err := held.UpdateRecord(ctx, gone, now); return err }},
		{"deleted pending", func(held vault.Store) error {
			_, err := vault.DeleteRecordIDs(ctx, held, "a", "pending", []string{"p", "linked-elsewhere"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.Tx(ctx, func(s vault.Store) error {
				held := vault.AtCommit(s)
				if err := held.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "entry", ID: tc.name, CreatedAt: now, UpdatedAt: now}); err != nil {
					return err
				}
				if err := tc.write(held); err != nil {
					t.Errorf("the held write answered %v at once, want nil (checked at the commit)", err)
				}
				return nil
			})
			if !errors.Is(err, vault.ErrConflict) {
				t.Fatalf("Tx = %v, want ErrConflict", err)
			}
			if _, err := db.GetRecord(ctx, "entry", tc.name, time.Time{}); !errors.Is(err, vault.ErrNotFound) {
				t.Errorf("the entry of the failed transaction: GetRecord = %v, want not found", err)
			}
			if _, err := db.GetRecord(ctx, "pending", "p", time.Time{}); err != nil {
				t.Errorf("the pending record was deleted by a failed transaction: %v", err)
			}
			if h, err := db.GetRecord(ctx, "head", "a", time.Time{}); err != nil || h.Version != stored.Version {
				t.Errorf("head after the failed transaction: version %d (%v), want %d", h.Version, err, stored.Version)
			}
		})
	}
}
