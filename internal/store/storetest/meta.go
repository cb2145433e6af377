package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// testMeta: a meta value is written once and read back; a second insert of
// the same key conflicts and leaves the first value.
func testMeta(t *testing.T, s vault.Store) {
	ctx := t.Context()
	_, err := s.GetMeta(ctx, "check")
	wantErr(t, err, vault.ErrNotFound, "GetMeta before insert")

	check(t, s.InsertMeta(ctx, "check", []byte{0, 1, 2, 0xff}), "InsertMeta")
	wantErr(t, s.InsertMeta(ctx, "check", []byte("other")), vault.ErrConflict, "InsertMeta again")
	got, err := s.GetMeta(ctx, "check")
	check(t, err, "GetMeta")
	if !bytes.Equal(got, []byte{0, 1, 2, 0xff}) {
		t.Errorf("GetMeta = %x, want 000102ff", got)
	}
	check(t, s.InsertMeta(ctx, "other", []byte("x")), "InsertMeta other key")
}

// testTenants: tenants are created once and read back.
func testTenants(t *testing.T, s vault.Store) {
	ctx := t.Context()
	want := vault.Tenant{ID: vault.DefaultTenant, Name: "Default tenant", CreatedAt: epoch()}
	check(t, s.CreateTenant(ctx, want), "CreateTenant")
	wantErr(t, s.CreateTenant(ctx, vault.Tenant{ID: want.ID, Name: "dup", CreatedAt: epoch()}),
		vault.ErrConflict, "CreateTenant again")
	got, err := s.GetTenant(ctx, want.ID)
	check(t, err, "GetTenant")
	same(t, got, want)
	_, err = s.GetTenant(ctx, "missing")
	wantErr(t, err, vault.ErrNotFound, "GetTenant missing")
}

// testKeys: wrapped keys list newest version first, per tenant and purpose.
func testKeys(t *testing.T, s vault.Store) {
	ctx := t.Context()
	key := func(tenant, purpose string, v uint32) vault.WrappedKey {
		return vault.WrappedKey{
			Tenant: tenant, Purpose: purpose, Version: v,
			Wrapped:   []byte{byte(v), 0xaa, 0x00},
			CreatedAt: epoch().Add(time.Duration(v%1000) * time.Minute),
		}
	}
	for _, k := range []vault.WrappedKey{
		key("a", vault.PurposeData, 1),
		key("a", vault.PurposeData, 3),
		key("a", vault.PurposeData, 2),
		key("a", vault.PurposeIndex, 1),
		key("b", vault.PurposeData, 7),
		key("a", vault.PurposeData, 1<<32-1),
	} {
		check(t, s.InsertKey(ctx, k), "InsertKey")
	}
	wantErr(t, s.InsertKey(ctx, key("a", vault.PurposeData, 2)), vault.ErrConflict, "InsertKey duplicate version")

	got, err := s.ListKeys(ctx, "a", vault.PurposeData)
	check(t, err, "ListKeys")
	want := []vault.WrappedKey{
		key("a", vault.PurposeData, 1<<32-1),
		key("a", vault.PurposeData, 3),
		key("a", vault.PurposeData, 2),
		key("a", vault.PurposeData, 1),
	}
	if len(got) != len(want) {
		t.Fatalf("ListKeys returned %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		same(t, got[i], want[i])
	}

	got, err = s.ListKeys(ctx, "a", vault.PurposeIndex)
	check(t, err, "ListKeys index")
	if len(got) != 1 || got[0].Version != 1 {
		t.Errorf("ListKeys index = %+v, want version 1 only", got)
	}
	got, err = s.ListKeys(ctx, "c", vault.PurposeData)
	check(t, err, "ListKeys unknown tenant")
	if len(got) != 0 {
		t.Errorf("ListKeys unknown tenant = %+v, want none", got)
	}
}
