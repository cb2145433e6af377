package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// A tokenize's transaction (a card and its pending audit event, both held
// for the commit) costs one round trip: BEGIN, both INSERTs and COMMIT in
// one pipelined batch. Both rows are committed.
func TestAtCommitRoundTrips(t *testing.T) {
	db, writes := countedDB(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	ids := []string{"first", "second"}
	got := roundTrips(t, writes, func(run int) error {
		return db.Tx(ctx, func(s vault.Store) error {
			held := vault.AtCommit(s)
			if err := held.CreateCard(ctx, vault.Card{Tenant: "a", ID: ids[run], CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
			return held.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "pending", ID: ids[run], Version: 1, CreatedAt: now, UpdatedAt: now})
		})
	})
	if got != 1 {
		t.Errorf("a transaction of two held INSERTs made %d round trips, want 1", got)
	}
	for _, id := range ids {
		if _, err := db.GetCard(ctx, "a", id, now); err != nil {
			t.Errorf("card %s was not committed: %v", id, err)
		}
		if _, err := db.GetRecord(ctx, "pending", id, now); err != nil {
			t.Errorf("record %s was not committed: %v", id, err)
		}
	}
	// A transaction that fails before its commit sends nothing held.
	got = roundTrips(t, writes, func(run int) error {
		err := db.Tx(ctx, func(s vault.Store) error {
			if err := vault.AtCommit(s).CreateCard(ctx, vault.Card{Tenant: "a", ID: "never", CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("run %d: Tx = %v, want its error", run, err)
		}
		return nil
	})
	if got != 0 {
		t.Errorf("a failed transaction of held writes made %d round trips, want 0", got)
	}
	if _, err := db.GetCard(ctx, "a", "never", now); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("the held card of a failed transaction: GetCard = %v, want not found", err)
	}
}

var errBoom = errors.New("boom")

// A held write that cannot go in fails the commit with ErrConflict, and
// nothing of the transaction is written: not the card when its event's id
// is taken, not the event when the card's id is taken. The connection
// serves the next transaction.
func TestAtCommitConflictWritesNothing(t *testing.T) {
	db, _ := countedDB(t) // one connection: the next transaction reuses it
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	if err := db.CreateCard(ctx, vault.Card{Tenant: "a", ID: "taken", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "pending", ID: "taken", Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, card, event string }{
		{"taken card id", "taken", "event-1"},
		{"taken event id", "card-2", "taken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.Tx(ctx, func(s vault.Store) error {
				held := vault.AtCommit(s)
				if err := held.CreateCard(ctx, vault.Card{Tenant: "a", ID: tc.card, CreatedAt: now, UpdatedAt: now}); err != nil {
					return err
				}
				return held.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "pending", ID: tc.event, Version: 1, CreatedAt: now, UpdatedAt: now})
			})
			if !errors.Is(err, vault.ErrConflict) {
				t.Fatalf("Tx = %v, want ErrConflict", err)
			}
			if tc.card != "taken" {
				if _, err := db.GetCard(ctx, "a", tc.card, now); !errors.Is(err, vault.ErrNotFound) {
					t.Errorf("card of the failed transaction: GetCard = %v, want not found", err)
				}
			}
			if tc.event != "taken" {
				if _, err := db.GetRecord(ctx, "pending", tc.event, now); !errors.Is(err, vault.ErrNotFound) {
					t.Errorf("event of the failed transaction: GetRecord = %v, want not found", err)
				}
			}
			if err := db.Tx(ctx, func(s vault.Store) error {
				return vault.AtCommit(s).CreateCard(ctx, vault.Card{Tenant: "a", ID: "next-" + tc.card, CreatedAt: now, UpdatedAt: now})
			}); err != nil {
				t.Errorf("the next transaction: %v", err)
			}
		})
	}
}

// A held write goes out with the transaction's next statement, which then
// returns its error; the transaction is spoiled: a function that carries on
// and returns nil still gets the error from Tx, and nothing is written.
func TestAtCommitFailureSpoilsTransaction(t *testing.T) {
	db := openTest(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	if err := db.CreateCard(ctx, vault.Card{Tenant: "a", ID: "taken", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	err := db.Tx(ctx, func(s vault.Store) error {
		if err := vault.AtCommit(s).CreateCard(ctx, vault.Card{Tenant: "a", ID: "taken", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if _, err := s.GetCard(ctx, "a", "taken", now); !errors.Is(err, vault.ErrConflict) {
			t.Errorf("the statement after a held write that conflicts: %v, want ErrConflict", err)
		}
		_ = s.CreateCard(ctx, vault.Card{Tenant: "a", ID: "after", CreatedAt: now, UpdatedAt: now})
		return nil // ignores the errors
	})
	if !errors.Is(err, vault.ErrConflict) {
		t.Fatalf("Tx = %v, want ErrConflict", err)
	}
	if _, err := db.GetCard(ctx, "a", "after", now); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("a card written after the failed held write: GetCard = %v, want not found", err)
	}
	// Held writes followed by a read: the read sees them (same batch, sent first).
	err = db.Tx(ctx, func(s vault.Store) error {
		if err := vault.AtCommit(s).CreateCard(ctx, vault.Card{Tenant: "a", ID: "seen", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		_, err := s.GetCard(ctx, "a", "seen", now)
		return err
	})
	if err != nil {
		t.Fatalf("a read after a held write: %v", err)
	}
}

// A record with a Key is not held: its conflict is reported at once and the
// transaction stays usable, as outside the view.
func TestAtCommitKeyedRecordAnswersAtOnce(t *testing.T) {
	db := openTest(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	if err := db.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "k", ID: "holder", Key: "taken", Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	err := db.Tx(ctx, func(s vault.Store) error {
		held := vault.AtCommit(s)
		err := held.CreateRecord(ctx, vault.Record{Tenant: "a", Kind: "k", ID: "other", Key: "taken", Version: 1, CreatedAt: now, UpdatedAt: now})
		if !errors.Is(err, vault.ErrConflict) {
			return errors.Join(errors.New("a keyed record with a taken key did not conflict at once"), err)
		}
		return held.CreateCard(ctx, vault.Card{Tenant: "a", ID: "kept", CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		t.Fatalf("Tx: %v", err)
	}
	if _, err := db.GetCard(ctx, "a", "kept", now); err != nil {
		t.Errorf("card written after the keyed conflict: %v", err)
	}
}

// A transaction takes its connection from the pool with its first
// statement: one whose writes are all held holds none until its commit,
// so another transaction can use the pool's only connection meanwhile.
func TestTxTakesConnectionAtFirstStatement(t *testing.T) {
	db, _ := countedDB(t)                                        // one connection
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // fails a deadlock instead of hanging
	defer cancel()
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := db.Tx(ctx, func(s vault.Store) error {
		if err := vault.AtCommit(s).CreateCard(ctx, vault.Card{Tenant: "a", ID: "outer", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return db.Tx(ctx, func(other vault.Store) error { // not s: a transaction of its own
			return other.CreateCard(ctx, vault.Card{Tenant: "a", ID: "inner", CreatedAt: now, UpdatedAt: now})
		})
	})
	if err != nil {
		t.Fatalf("Tx: %v", err)
	}
	for _, id := range []string{"outer", "inner"} {
		if _, err := db.GetCard(ctx, "a", id, now); err != nil {
			t.Errorf("card %s: %v", id, err)
		}
	}
}

// A held write that goes out with a guarded statement (its SAVEPOINT in
// the same batch) is kept when that statement conflicts: the savepoint
// rolls back only the statement, and the commit keeps the held row.
func TestAtCommitHeldBeforeSavepoint(t *testing.T) {
	db := openTest(t)
	ctx, now := t.Context(), time.Now().UTC().Truncate(time.Microsecond)
	for _, r := range []vault.Record{
		{Tenant: "a", Kind: "k", ID: "holder", Key: "taken", Version: 1, CreatedAt: now, UpdatedAt: now},
		{Tenant: "a", Kind: "k", ID: "mine", Version: 1, CreatedAt: now, UpdatedAt: now},
	} {
		if err := db.CreateRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	err := db.Tx(ctx, func(s vault.Store) error {
		if err := vault.AtCommit(s).CreateCard(ctx, vault.Card{Tenant: "a", ID: "held", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		_, err := s.UpdateRecord(ctx, vault.Record{Tenant: "a", Kind: "k", ID: "mine", Key: "taken", Version: 1}, now)
		if !errors.Is(err, vault.ErrConflict) {
			return errors.Join(errors.New("UpdateRecord to a taken key did not conflict"), err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Tx: %v", err)
	}
	if _, err := db.GetCard(ctx, "a", "held", now); err != nil {
		t.Errorf("the held card sent before the conflicting savepoint: %v", err)
	}
}
