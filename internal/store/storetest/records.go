package storetest

import (
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// testRecordsCRUD: a record is found by kind and id whatever its tenant, by
// key only within its tenant, and deleted only by its tenant.
func testRecordsCRUD(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	r := newRecord("a", "session", "rec_1", "lookup-1", "card_1", now)
	r.ExpiresAt = now.Add(time.Hour)
	check(t, s.CreateRecord(ctx, r), "CreateRecord")

	got, err := s.GetRecord(ctx, "session", r.ID, now)
	check(t, err, "GetRecord")
	same(t, got, r)
	_, err = s.GetRecord(ctx, "hold", r.ID, now)
	wantErr(t, err, vault.ErrNotFound, "GetRecord of another kind")

	got, err = s.RecordByKey(ctx, "a", "session", "lookup-1", now)
	check(t, err, "RecordByKey")
	same(t, got, r)
	for _, q := range []struct{ tenant, kind, key string }{
		{"b", "session", "lookup-1"}, {"a", "hold", "lookup-1"}, {"a", "session", "other"}, {"a", "session", ""},
	} {
		_, err = s.RecordByKey(ctx, q.tenant, q.kind, q.key, now)
		wantErr(t, err, vault.ErrNotFound, "RecordByKey "+q.tenant+"/"+q.kind+"/"+q.key)
	}

	// A record created with Version 0 starts at 1; one without key, parent,
	// data or expiry round-trips as zero values.
	bare := vault.Record{Tenant: "a", Kind: "session", ID: "rec_2", CreatedAt: now, UpdatedAt: now}
	check(t, s.CreateRecord(ctx, bare), "CreateRecord bare")
	got, err = s.GetRecord(ctx, "session", bare.ID, now)
	check(t, err, "GetRecord bare")
	bare.Version = 1
	same(t, got, bare)

	wantErr(t, s.DeleteRecord(ctx, "b", "session", r.ID), vault.ErrNotFound, "DeleteRecord as b")
	wantErr(t, s.DeleteRecord(ctx, "a", "hold", r.ID), vault.ErrNotFound, "DeleteRecord of another kind")
	check(t, s.DeleteRecord(ctx, "a", "session", r.ID), "DeleteRecord")
	wantErr(t, s.DeleteRecord(ctx, "a", "session", r.ID), vault.ErrNotFound, "DeleteRecord twice")
	_, err = s.GetRecord(ctx, "session", r.ID, now)
	wantErr(t, err, vault.ErrNotFound, "GetRecord after delete")
	_, err = s.RecordByKey(ctx, "a", "session", "lookup-1", now)
	wantErr(t, err, vault.ErrNotFound, "RecordByKey after delete")
	// The key is free again.
	check(t, s.CreateRecord(ctx, newRecord("a", "session", "rec_3", "lookup-1", "", now)), "CreateRecord reusing a deleted key")
}

// testRecordsConflicts: ids are unique per kind, keys per tenant and kind,
// and records without a key never conflict on it.
func testRecordsConflicts(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	check(t, s.CreateRecord(ctx, newRecord("a", "k", "rec_1", "key-1", "", now)), "CreateRecord")
	for _, tc := range []struct {
		name string
		r    vault.Record
		want error
	}{
		{"same kind and id", newRecord("a", "k", "rec_1", "", "", now), vault.ErrConflict},
		{"same kind and id in another tenant", newRecord("b", "k", "rec_1", "key-9", "", now), vault.ErrConflict},
		{"same tenant, kind and key", newRecord("a", "k", "rec_2", "key-1", "", now), vault.ErrConflict},
		{"same id in another kind", newRecord("a", "j", "rec_1", "key-1", "", now), nil},
		{"same key in another tenant", newRecord("b", "k", "rec_3", "key-1", "", now), nil},
		{"no key", newRecord("a", "k", "rec_4", "", "", now), nil},
		{"no key again", newRecord("a", "k", "rec_5", "", "", now), nil},
	} {
		err := s.CreateRecord(ctx, tc.r)
		if tc.want == nil {
			check(t, err, "CreateRecord "+tc.name)
		} else {
			wantErr(t, err, tc.want, "CreateRecord "+tc.name)
		}
	}
	got, err := s.RecordByKey(ctx, "a", "k", "key-1", now)
	check(t, err, "RecordByKey")
	if got.ID != "rec_1" {
		t.Errorf("RecordByKey found %s, want the first holder rec_1", got.ID)
	}
}

// testRecordsUpdate: UpdateRecord is an optimistic compare-and-swap on
// Version that replaces Key, Parent, Data and ExpiresAt.
func testRecordsUpdate(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	r := newRecord("a", "k", "rec_1", "key-1", "p1", now)
	check(t, s.CreateRecord(ctx, r), "CreateRecord")
	check(t, s.CreateRecord(ctx, newRecord("a", "k", "rec_2", "key-2", "", now)), "CreateRecord second")

	later := now.Add(time.Minute)
	u := r
	u.Key, u.Parent, u.Data = "key-1b", "p2", []byte("new data")
	u.ExpiresAt = later.Add(time.Hour)
	u.CreatedAt, u.UpdatedAt = later, now // ignored: CreatedAt is kept, UpdatedAt becomes now
	got, err := s.UpdateRecord(ctx, u, later)
	check(t, err, "UpdateRecord")
	want := u
	want.Version = 2
	want.CreatedAt = r.CreatedAt
	want.UpdatedAt = later
	same(t, got, want)
	stored, err := s.GetRecord(ctx, "k", r.ID, later)
	check(t, err, "GetRecord after update")
	same(t, stored, want)
	_, err = s.RecordByKey(ctx, "a", "k", "key-1", later)
	wantErr(t, err, vault.ErrNotFound, "RecordByKey old key")
	_, err = s.RecordByKey(ctx, "a", "k", "key-1b", later)
	check(t, err, "RecordByKey new key")

	_, err = s.UpdateRecord(ctx, u, later) // still Version 1
	wantErr(t, err, vault.ErrConflict, "UpdateRecord with a stale version")
	ahead := got
	ahead.Version = 7
	_, err = s.UpdateRecord(ctx, ahead, later)
	wantErr(t, err, vault.ErrConflict, "UpdateRecord with a future version")

	taken := got
	taken.Key = "key-2"
	_, err = s.UpdateRecord(ctx, taken, later)
	wantErr(t, err, vault.ErrConflict, "UpdateRecord to a taken key")
	stored, err = s.GetRecord(ctx, "k", r.ID, later)
	check(t, err, "GetRecord after failed update")
	same(t, stored, want)

	other := got
	other.Tenant = "b"
	_, err = s.UpdateRecord(ctx, other, later)
	wantErr(t, err, vault.ErrNotFound, "UpdateRecord as another tenant")
	missing := newRecord("a", "k", "missing", "", "", now)
	_, err = s.UpdateRecord(ctx, missing, later)
	wantErr(t, err, vault.ErrNotFound, "UpdateRecord missing")

	// Clearing the key frees it; the version keeps growing.
	cleared := got
	cleared.Key = ""
	got, err = s.UpdateRecord(ctx, cleared, later)
	check(t, err, "UpdateRecord clearing the key")
	if got.Version != 3 || got.Key != "" {
		t.Errorf("after clearing: version %d key %q, want 3 and none", got.Version, got.Key)
	}
	check(t, s.CreateRecord(ctx, newRecord("a", "k", "rec_3", "key-1b", "", now)), "CreateRecord with the freed key")
}

// listAllRecords pages through the records q selects.
func listAllRecords(tb testing.TB, s vault.Store, q vault.RecordQuery, now time.Time) []string {
	tb.Helper()
	var got []string
	for range 1000 {
		page, err := s.ListRecords(tb.Context(), q, now)
		check(tb, err, "ListRecords")
		if len(page) > q.Limit && q.Limit > 0 {
			tb.Fatalf("ListRecords returned %d records, limit %d", len(page), q.Limit)
		}
		if len(page) == 0 {
			return got
		}
		for _, r := range page {
			if r.Tenant != q.Tenant || r.Kind != q.Kind || (q.Parent != "" && r.Parent != q.Parent) {
				tb.Errorf("ListRecords(%s/%s/%s) returned %s of %s/%s/%s",
					q.Tenant, q.Kind, q.Parent, r.ID, r.Tenant, r.Kind, r.Parent)
			}
			got = append(got, r.ID)
		}
		q.After = page[len(page)-1].ID
	}
	tb.Fatal("ListRecords does not stop")
	return nil
}

// seedParents creates rec_00 … rec_09 of tenant a and kind k, even ones
// with parent p1 and odd ones with parent p2, plus look-alikes of other
// tenants and kinds, and an expired p1 record.
func seedParents(tb testing.TB, s vault.Store, now time.Time) {
	tb.Helper()
	ctx := tb.Context()
	for i, id := range seq("rec_", upTo(10)...) {
		parent := "p1"
		if i%2 == 1 {
			parent = "p2"
		}
		check(tb, s.CreateRecord(ctx, newRecord("a", "k", id, "", parent, now)), "CreateRecord")
	}
	check(tb, s.CreateRecord(ctx, newRecord("b", "k", "rec_b", "", "p1", now)), "CreateRecord other tenant")
	check(tb, s.CreateRecord(ctx, newRecord("a", "j", "rec_j", "", "p1", now)), "CreateRecord other kind")
	old := newRecord("a", "k", "rec_50", "", "p1", now)
	old.ExpiresAt = now
	check(tb, s.CreateRecord(ctx, old), "CreateRecord expired")
}

// testRecordsList: ListRecords pages live records of one tenant and kind,
// optionally of one parent, in id order.
func testRecordsList(t *testing.T, s vault.Store) {
	now := epoch()
	seedParents(t, s, now)
	q := vault.RecordQuery{Tenant: "a", Kind: "k", Page: vault.Page{Limit: 3}}
	sameIDs(t, listAllRecords(t, s, q, now), seq("rec_", upTo(10)...), "all parents")
	q.Parent = "p1"
	sameIDs(t, listAllRecords(t, s, q, now), seq("rec_", 0, 2, 4, 6, 8), "parent p1")
	q.Parent, q.Limit = "p2", 0
	sameIDs(t, listAllRecords(t, s, q, now), seq("rec_", 1, 3, 5, 7, 9), "parent p2, default limit")
	q.Parent = "none"
	sameIDs(t, listAllRecords(t, s, q, now), nil, "unknown parent")
}

// testRecordsDeleteByParent: DeleteRecords removes one parent's records of
// one tenant and kind, expired or not, and nothing else.
func testRecordsDeleteByParent(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	seedParents(t, s, now)
	n, err := s.DeleteRecords(ctx, "a", "k", "p1")
	check(t, err, "DeleteRecords")
	if n != 6 {
		t.Errorf("DeleteRecords = %d, want 6 (5 live, 1 expired)", n)
	}
	n, err = s.DeleteRecords(ctx, "a", "k", "p1")
	check(t, err, "DeleteRecords again")
	if n != 0 {
		t.Errorf("DeleteRecords again = %d, want 0", n)
	}
	q := vault.RecordQuery{Tenant: "a", Kind: "k"}
	sameIDs(t, listAllRecords(t, s, q, now), seq("rec_", 1, 3, 5, 7, 9), "left after delete")
	for _, r := range []struct{ kind, id string }{{"k", "rec_b"}, {"j", "rec_j"}} {
		_, err := s.GetRecord(ctx, r.kind, r.id, now)
		check(t, err, "GetRecord "+r.id+" of another tenant or kind")
	}
}

// testRecordsExpiry: an expired record is invisible to reads and updates,
// and no longer holds its id or key against a later record.
func testRecordsExpiry(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	hour := now.Add(time.Hour)
	r := newRecord("a", "idem", "rec_1", "idem-key", "p", now)
	r.ExpiresAt = hour
	check(t, s.CreateRecord(ctx, r), "CreateRecord")

	_, err := s.GetRecord(ctx, "idem", r.ID, now)
	check(t, err, "GetRecord before expiry")
	_, err = s.GetRecord(ctx, "idem", r.ID, hour)
	wantErr(t, err, vault.ErrNotFound, "GetRecord at expiry")
	_, err = s.RecordByKey(ctx, "a", "idem", "idem-key", hour)
	wantErr(t, err, vault.ErrNotFound, "RecordByKey at expiry")
	_, err = s.UpdateRecord(ctx, r, hour)
	wantErr(t, err, vault.ErrNotFound, "UpdateRecord at expiry")
	q := vault.RecordQuery{Tenant: "a", Kind: "idem"}
	sameIDs(t, listAllRecords(t, s, q, hour), nil, "ListRecords at expiry")
	q.Parent = "p"
	sameIDs(t, listAllRecords(t, s, q, hour), nil, "ListRecords of the parent at expiry")

	// While the record lives its key is taken; once it has expired a new
	// record (created at or after the expiry) may take the key.
	early := newRecord("a", "idem", "rec_2", "idem-key", "", now.Add(time.Minute))
	wantErr(t, s.CreateRecord(ctx, early), vault.ErrConflict, "CreateRecord with a live key")
	late := newRecord("a", "idem", "rec_2", "idem-key", "", hour)
	check(t, s.CreateRecord(ctx, late), "CreateRecord with an expired key")
	got, err := s.RecordByKey(ctx, "a", "idem", "idem-key", hour)
	check(t, err, "RecordByKey new holder")
	same(t, got, late)

	// Likewise UpdateRecord may take a key whose holder has expired.
	holder := newRecord("a", "idem", "rec_3", "other-key", "", now)
	holder.ExpiresAt = hour
	check(t, s.CreateRecord(ctx, holder), "CreateRecord holder")
	moved := got
	moved.Key = "other-key"
	_, err = s.UpdateRecord(ctx, moved, now)
	wantErr(t, err, vault.ErrConflict, "UpdateRecord to a live key")
	moved, err = s.UpdateRecord(ctx, moved, hour)
	check(t, err, "UpdateRecord to an expired key")
	if moved.Key != "other-key" || moved.Version != 2 {
		t.Errorf("after update: key %q version %d, want other-key and 2", moved.Key, moved.Version)
	}
}
