package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// testReplaceMeta: a meta value changes only from the value the caller saw.
func testReplaceMeta(t *testing.T, s vault.Store) {
	ctx := t.Context()
	wantErr(t, s.ReplaceMeta(ctx, "check", []byte("a"), []byte("b")), vault.ErrNotFound, "ReplaceMeta absent")
	check(t, s.InsertMeta(ctx, "check", []byte("a")), "InsertMeta")
	wantErr(t, s.ReplaceMeta(ctx, "check", []byte("x"), []byte("b")), vault.ErrConflict, "ReplaceMeta from a stale value")
	check(t, s.ReplaceMeta(ctx, "check", []byte("a"), []byte("b")), "ReplaceMeta")
	wantErr(t, s.ReplaceMeta(ctx, "check", []byte("a"), []byte("c")), vault.ErrConflict, "ReplaceMeta twice from one value")
	got, err := s.GetMeta(ctx, "check")
	check(t, err, "GetMeta")
	if !bytes.Equal(got, []byte("b")) {
		t.Fatalf("GetMeta = %q, want b", got)
	}
}

// testReplaceKey: a wrapped key is replaced only from the bytes the caller
// saw, and nothing else of the key changes.
func testReplaceKey(t *testing.T, s vault.Store) {
	ctx := t.Context()
	k := vault.WrappedKey{Tenant: "a", Purpose: vault.PurposeData, Version: 2, Wrapped: []byte("old"), CreatedAt: epoch()}
	wantErr(t, s.ReplaceKey(ctx, k, []byte("old")), vault.ErrNotFound, "ReplaceKey absent")
	check(t, s.InsertKey(ctx, k), "InsertKey")
	check(t, s.InsertKey(ctx, vault.WrappedKey{Tenant: "a", Purpose: vault.PurposeData, Version: 1, Wrapped: []byte("v1"), CreatedAt: epoch()}), "InsertKey v1")
	n := k
	n.Wrapped = []byte("new")
	wantErr(t, s.ReplaceKey(ctx, n, []byte("stale")), vault.ErrConflict, "ReplaceKey from stale bytes")
	check(t, s.ReplaceKey(ctx, n, []byte("old")), "ReplaceKey")
	wantErr(t, s.ReplaceKey(ctx, n, []byte("old")), vault.ErrConflict, "ReplaceKey twice")
	got, err := s.ListKeys(ctx, "a", vault.PurposeData)
	check(t, err, "ListKeys")
	if len(got) != 2 {
		t.Fatalf("ListKeys returned %d keys, want 2", len(got))
	}
	same(t, got[0], n)
	if !bytes.Equal(got[1].Wrapped, []byte("v1")) {
		t.Fatalf("ReplaceKey touched another version: %q", got[1].Wrapped)
	}
}

// testResealCard: only the sealed columns change, and only from the
// ciphertexts the caller read.
func testResealCard(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	c := newCard("a", "card_r", now)
	c.SealedExtra = nil
	wantErr(t, s.ResealCard(ctx, c, c), vault.ErrNotFound, "ResealCard absent")
	check(t, s.CreateCard(ctx, c), "CreateCard")
	r := c
	r.SealedPAN, r.SealedHolder, r.SealedExtra = []byte("pan-v2"), []byte("holder-v2"), []byte("extra-v2")
	r.Last4 = "0000" // not a sealed column: must not change
	stale := c
	stale.SealedHolder = []byte("someone else's update")
	wantErr(t, s.ResealCard(ctx, r, stale), vault.ErrConflict, "ResealCard from stale ciphertexts")
	check(t, s.ResealCard(ctx, r, c), "ResealCard")
	got, err := s.GetCard(ctx, "a", c.ID, now)
	check(t, err, "GetCard")
	want := c
	want.SealedPAN, want.SealedHolder, want.SealedExtra = r.SealedPAN, r.SealedHolder, r.SealedExtra
	same(t, got, want)
	wantErr(t, s.ResealCard(ctx, r, c), vault.ErrConflict, "ResealCard twice")
}

// testTenantLifecycle: tenants list in id order with their tags; a tenant
// is disabled only from the tag it holds (compare and swap), once, and an
// untagged tenant is tagged only once.
func testTenantLifecycle(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	for _, id := range []string{"c", "a", "b"} {
		check(t, s.CreateTenant(ctx, vault.Tenant{ID: id, Name: "T " + id, CreatedAt: now, Integrity: []byte("tag " + id)}), "CreateTenant")
	}
	page, err := s.ListTenants(ctx, vault.Page{Limit: 2})
	check(t, err, "ListTenants")
	if len(page) != 2 || page[0].ID != "a" || page[1].ID != "b" || string(page[1].Integrity) != "tag b" {
		t.Fatalf("ListTenants first page = %+v", page)
	}
	page, err = s.ListTenants(ctx, vault.Page{After: "b", Limit: 2})
	check(t, err, "ListTenants second page")
	if len(page) != 1 || page[0].ID != "c" || !page[0].DisabledAt.IsZero() {
		t.Fatalf("ListTenants second page = %+v", page)
	}
	wantErr(t, s.DisableTenant(ctx, "b", now.Add(time.Hour), []byte("tag b2"), []byte("stale")), vault.ErrConflict, "DisableTenant from another tag")
	check(t, s.DisableTenant(ctx, "b", now.Add(time.Hour), []byte("tag b2"), []byte("tag b")), "DisableTenant")
	wantErr(t, s.DisableTenant(ctx, "b", now.Add(2*time.Hour), []byte("tag b3"), []byte("tag b2")), vault.ErrConflict, "DisableTenant again")
	wantErr(t, s.DisableTenant(ctx, "missing", now, nil, nil), vault.ErrNotFound, "DisableTenant missing")
	got, err := s.GetTenant(ctx, "b")
	check(t, err, "GetTenant")
	sameTime(t, got.DisabledAt, now.Add(time.Hour), "DisabledAt")
	if string(got.Integrity) != "tag b2" {
		t.Fatalf("a disabled tenant's tag = %q", got.Integrity)
	}
	if other, _ := s.GetTenant(ctx, "a"); !other.DisabledAt.IsZero() || string(other.Integrity) != "tag a" {
		t.Fatalf("DisableTenant changed another tenant: %+v", other)
	}

	check(t, s.CreateTenant(ctx, vault.Tenant{ID: "old", Name: "untagged", CreatedAt: now}), "CreateTenant untagged")
	if got, _ := s.GetTenant(ctx, "old"); got.Integrity != nil {
		t.Fatalf("an untagged tenant reads with tag %q", got.Integrity)
	}
	check(t, s.TagTenant(ctx, "old", []byte("tag old")), "TagTenant")
	wantErr(t, s.TagTenant(ctx, "old", []byte("another")), vault.ErrConflict, "TagTenant twice")
	wantErr(t, s.TagTenant(ctx, "b", []byte("another")), vault.ErrConflict, "TagTenant of a tagged tenant")
	wantErr(t, s.TagTenant(ctx, "missing", []byte("x")), vault.ErrNotFound, "TagTenant missing")
	if got, _ := s.GetTenant(ctx, "old"); string(got.Integrity) != "tag old" {
		t.Fatalf("TagTenant wrote %q", got.Integrity)
	}
}
