package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// optionalStore has every optional method withKEK forwards and records
// which were called; the rest of vault.Store is nil (never called).
type optionalStore struct {
	vault.Store
	calls []string
}

func (s *optionalStore) Close() error { return nil }

func (s *optionalStore) CardWithRecord(context.Context, string, string, string, time.Time) (vault.Card, vault.Record, bool, error) {
	s.calls = append(s.calls, "CardWithRecord")
	return vault.Card{ID: "c"}, vault.Record{ID: "c"}, true, nil
}

func (s *optionalStore) CreateRecords(_ context.Context, records []vault.Record) error {
	s.calls = append(s.calls, "CreateRecords")
	return nil
}

func (s *optionalStore) DeleteRecordIDs(_ context.Context, _, _ string, ids []string) (int, error) {
	s.calls = append(s.calls, "DeleteRecordIDs")
	return len(ids), nil
}

func (s *optionalStore) BehindPooler() bool {
	s.calls = append(s.calls, "BehindPooler")
	return true
}

// The store wrapper of the served vault reaches the store's optional
// methods instead of hiding them behind vault.Store (where the vault's
// helpers would fall back to one call per row or card and record).
func TestWithKEKForwardsOptionalMethods(t *testing.T) {
	ctx := t.Context()
	st := &optionalStore{}
	var w any = withKEK{st, nopCloser{}}
	if _, _, found, err := w.(vault.CardRecordReader).CardWithRecord(ctx, "t", "c", "k", time.Now()); err != nil || !found {
		t.Fatalf("CardWithRecord: %v, %v", found, err)
	}
	if err := w.(vault.RecordBatcher).CreateRecords(ctx, []vault.Record{{ID: "a"}, {ID: "b"}}); err != nil {
		t.Fatal(err)
	}
	if n, err := w.(vault.RecordIDDeleter).DeleteRecordIDs(ctx, "t", "k", []string{"a", "b"}); n != 2 || err != nil {
		t.Fatalf("DeleteRecordIDs: %d, %v", n, err)
	}
	if !w.(behindPooler).BehindPooler() {
		t.Error("BehindPooler: false, the store says true")
	}
	if want := []string{"CardWithRecord", "CreateRecords", "DeleteRecordIDs", "BehindPooler"}; !slices.Equal(st.calls, want) {
		t.Errorf("the store got %v, want %v", st.calls, want)
	}
	// A store without them: the same answers through its plain methods.
	if (withKEK{plainStore{}, nopCloser{}}).BehindPooler() {
		t.Error("BehindPooler of a store without it: true")
	}
}

// plainStore has none of the optional methods.
type plainStore struct{ vault.Store }

func (plainStore) Close() error { return nil }
