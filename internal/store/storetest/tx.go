package storetest

import (
	"errors"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

// sentinel is a constant error.
type sentinel string

// Error returns the sentinel's text.
func (e sentinel) Error() string { return string(e) }

// errBoom is what the transaction tests make fn fail with.
const errBoom = sentinel("boom")

// present fails unless the card and the record exist.
func present(tb testing.TB, s vault.Store, card, record string) {
	tb.Helper()
	now := epoch()
	if _, err := s.GetCard(tb.Context(), "a", card, now); err != nil {
		tb.Errorf("card %s: %v, want it stored", card, err)
	}
	if _, err := s.GetRecord(tb.Context(), "k", record, now); err != nil {
		tb.Errorf("record %s: %v, want it stored", record, err)
	}
}

// absent fails unless neither the card nor the record exists.
func absent(tb testing.TB, s vault.Store, card, record string) {
	tb.Helper()
	now := epoch()
	if _, err := s.GetCard(tb.Context(), "a", card, now); !errors.Is(err, vault.ErrNotFound) {
		tb.Errorf("card %s: err = %v, want it rolled back", card, err)
	}
	if _, err := s.GetRecord(tb.Context(), "k", record, now); !errors.Is(err, vault.ErrNotFound) {
		tb.Errorf("record %s: err = %v, want it rolled back", record, err)
	}
}

// createBoth creates card card_tx and record rec_tx through st.
func createBoth(st vault.Store, tb testing.TB) error {
	now := epoch()
	if err := st.CreateCard(tb.Context(), newCard("a", "card_tx", now)); err != nil {
		return err
	}
	return st.CreateRecord(tb.Context(), newRecord("a", "k", "rec_tx", "key-tx", "", now))
}

// testTxCommit: a transaction that returns nil commits every write, and
// reads inside it see its own writes.
func testTxCommit(t *testing.T, s vault.Store) {
	ctx := t.Context()
	err := s.Tx(ctx, func(tx vault.Store) error {
		if err := createBoth(tx, t); err != nil {
			return err
		}
		present(t, tx, "card_tx", "rec_tx")
		r, err := tx.RecordByKey(ctx, "a", "k", "key-tx", epoch())
		if err != nil {
			return err
		}
		_, err = tx.UpdateRecord(ctx, r, epoch())
		return err
	})
	check(t, err, "Tx")
	present(t, s, "card_tx", "rec_tx")
	r, err := s.GetRecord(ctx, "k", "rec_tx", epoch())
	check(t, err, "GetRecord")
	if r.Version != 2 {
		t.Errorf("version = %d, want 2 after the update in the transaction", r.Version)
	}
}

// testTxErrorRollsBack: when fn fails, Tx returns its error and keeps
// none of its writes.
func testTxErrorRollsBack(t *testing.T, s vault.Store) {
	err := s.Tx(t.Context(), func(tx vault.Store) error {
		if err := createBoth(tx, t); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, err, errBoom, "Tx")
	absent(t, s, "card_tx", "rec_tx")
}

// testTxConflictRollsBack: a transaction whose second write conflicts and
// which returns that error keeps neither write.
func testTxConflictRollsBack(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	check(t, s.CreateRecord(ctx, newRecord("a", "k", "rec_taken", "", "", now)), "CreateRecord")
	err := s.Tx(ctx, func(tx vault.Store) error {
		if err := tx.CreateCard(ctx, newCard("a", "card_tx", now)); err != nil {
			return err
		}
		return tx.CreateRecord(ctx, newRecord("a", "k", "rec_taken", "", "", now))
	})
	wantErr(t, err, vault.ErrConflict, "Tx")
	absent(t, s, "card_tx", "rec_tx")
}

// testTxPanicRollsBack: a panic inside fn rolls back and reaches the caller
// unchanged.
func testTxPanicRollsBack(t *testing.T, s vault.Store) {
	func() {
		defer func() {
			if p := recover(); p != errBoom {
				t.Errorf("recovered %v, want the panic value", p)
			}
		}()
		_ = s.Tx(t.Context(), func(tx vault.Store) error {
			if err := createBoth(tx, t); err != nil {
				return err
			}
			panic(errBoom)
		})
		t.Error("Tx returned after fn panicked")
	}()
	absent(t, s, "card_tx", "rec_tx")
	// The store still works.
	check(t, s.Tx(t.Context(), func(tx vault.Store) error { return createBoth(tx, t) }), "Tx after a panic")
	present(t, s, "card_tx", "rec_tx")
}

// testTxNested: Tx on a transaction's store joins that transaction.
func testTxNested(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	outer := func(fail bool) error {
		return s.Tx(ctx, func(tx vault.Store) error {
			if err := tx.CreateCard(ctx, newCard("a", "card_tx", now)); err != nil {
				return err
			}
			err := tx.Tx(ctx, func(inner vault.Store) error {
				if _, err := inner.GetCard(ctx, "a", "card_tx", now); err != nil {
					return err // the outer write must be visible
				}
				return inner.CreateRecord(ctx, newRecord("a", "k", "rec_tx", "", "", now))
			})
			if err != nil {
				return err
			}
			if fail {
				return errBoom
			}
			return nil
		})
	}
	wantErr(t, outer(true), errBoom, "failing outer Tx")
	absent(t, s, "card_tx", "rec_tx")
	check(t, outer(false), "outer Tx")
	present(t, s, "card_tx", "rec_tx")
}

// testTxUsableAfterConflict: a write that fails with ErrConflict inside a
// transaction does not spoil it; fn may carry on and commit.
func testTxUsableAfterConflict(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	check(t, s.CreateRecord(ctx, newRecord("a", "k", "rec_taken", "key-taken", "", now)), "CreateRecord")
	check(t, s.CreateRecord(ctx, newRecord("a", "k", "rec_mine", "key-mine", "", now)), "CreateRecord")
	err := s.Tx(ctx, func(tx vault.Store) error {
		if err := tx.CreateCard(ctx, newCard("a", "card_tx", now)); err != nil {
			return err
		}
		if err := tx.CreateCard(ctx, newCard("a", "card_tx", now)); !errors.Is(err, vault.ErrConflict) {
			return errors.Join(errors.New("CreateCard twice did not conflict"), err)
		}
		if err := tx.CreateRecord(ctx, newRecord("a", "k", "rec_other", "key-taken", "", now)); !errors.Is(err, vault.ErrConflict) {
			return errors.Join(errors.New("CreateRecord with a taken key did not conflict"), err)
		}
		r, err := tx.GetRecord(ctx, "k", "rec_mine", now)
		if err != nil {
			return err
		}
		r.Key = "key-taken"
		if _, err := tx.UpdateRecord(ctx, r, now); !errors.Is(err, vault.ErrConflict) {
			return errors.Join(errors.New("UpdateRecord to a taken key did not conflict"), err)
		}
		return tx.CreateRecord(ctx, newRecord("a", "k", "rec_tx", "", "", now))
	})
	check(t, err, "Tx")
	present(t, s, "card_tx", "rec_tx")
}
