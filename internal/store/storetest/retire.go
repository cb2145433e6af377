package storetest

import (
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

// testResealRecord: only the data changes, only from the data the caller
// read, and the optimistic-lock version and update time stay as they were.
func testResealRecord(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	r := newRecord("a", "customer", "rec_1", "ref-1", "parent-1", now)
	wantErr(t, s.ResealRecord(ctx, r, r), vault.ErrNotFound, "ResealRecord absent")
	check(t, s.CreateRecord(ctx, r), "CreateRecord")
	other := newRecord("b", "customer", "rec_1", "", "", now)
	other.Kind = "session" // same id, another kind: untouched
	check(t, s.CreateRecord(ctx, other), "CreateRecord other kind")

	n := r
	n.Data = []byte(`{"resealed":true}`)
	n.Key, n.Parent, n.Version = "moved", "elsewhere", 9 // not resealed columns: must not change
	stale := r
	stale.Data = []byte(`{"someone":"else"}`)
	wantErr(t, s.ResealRecord(ctx, n, stale), vault.ErrConflict, "ResealRecord from stale data")
	wrongTenant := n
	wrongTenant.Tenant = "b"
	wantErr(t, s.ResealRecord(ctx, wrongTenant, r), vault.ErrNotFound, "ResealRecord of another tenant's id")
	check(t, s.ResealRecord(ctx, n, r), "ResealRecord")
	got, err := s.GetRecord(ctx, "customer", "rec_1", now)
	check(t, err, "GetRecord")
	want := r
	want.Data = n.Data
	same(t, got, want)
	wantErr(t, s.ResealRecord(ctx, n, r), vault.ErrConflict, "ResealRecord twice")
	got, err = s.GetRecord(ctx, "session", "rec_1", now)
	check(t, err, "GetRecord other kind")
	same(t, got, other)
	// The update that follows a reseal still matches the version it read.
	got, err = s.GetRecord(ctx, "customer", "rec_1", now)
	check(t, err, "GetRecord")
	_, err = s.UpdateRecord(ctx, got, now)
	check(t, err, "UpdateRecord after ResealRecord")
}

// testDeleteKey: a key version goes only when its wrapped bytes are those
// the caller read, and no other version or purpose goes with it.
func testDeleteKey(t *testing.T, s vault.Store) {
	ctx := t.Context()
	key := func(purpose string, v uint32) vault.WrappedKey {
		return vault.WrappedKey{Tenant: "a", Purpose: purpose, Version: v, Wrapped: []byte{byte(v), 1}, CreatedAt: epoch()}
	}
	wantErr(t, s.DeleteKey(ctx, key(vault.PurposeData, 1)), vault.ErrNotFound, "DeleteKey absent")
	for _, k := range []vault.WrappedKey{key(vault.PurposeData, 1), key(vault.PurposeData, 2), key(vault.PurposeIndex, 1)} {
		check(t, s.InsertKey(ctx, k), "InsertKey")
	}
	stale := key(vault.PurposeData, 1)
	stale.Wrapped = []byte("re-wrapped meanwhile")
	wantErr(t, s.DeleteKey(ctx, stale), vault.ErrConflict, "DeleteKey of stale wrapped bytes")
	check(t, s.DeleteKey(ctx, key(vault.PurposeData, 1)), "DeleteKey")
	wantErr(t, s.DeleteKey(ctx, key(vault.PurposeData, 1)), vault.ErrNotFound, "DeleteKey twice")
	data, err := s.ListKeys(ctx, "a", vault.PurposeData)
	check(t, err, "ListKeys")
	if len(data) != 1 {
		t.Fatalf("ListKeys after DeleteKey: %d data keys, want 1", len(data))
	}
	same(t, data[0], key(vault.PurposeData, 2))
	index, err := s.ListKeys(ctx, "a", vault.PurposeIndex)
	check(t, err, "ListKeys index")
	if len(index) != 1 {
		t.Fatalf("DeleteKey of a data key touched the index key: %d left", len(index))
	}
}
