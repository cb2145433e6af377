package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// newAPIKey returns an unrevoked key whose hash is derived from its id.
func newAPIKey(tenant, id string) vault.APIKey {
	return vault.APIKey{
		ID:        id,
		Tenant:    tenant,
		Name:      "key " + id,
		Scopes:    []vault.Scope{vault.ScopeCardsWrite, vault.ScopeForward},
		Hash:      []byte("hash-of-" + id),
		CreatedAt: epoch(),
		ExpiresAt: epoch().Add(90 * 24 * time.Hour),
		Integrity: []byte("tag-of-" + id),
	}
}

// testAPIKeys: API keys are found by hash and by tenant and id, are revoked
// once, and their ids and hashes are unique.
func testAPIKeys(t *testing.T, s vault.Store) {
	ctx := t.Context()
	k := newAPIKey("a", "key_1")
	check(t, s.CreateAPIKey(ctx, k), "CreateAPIKey")

	got, err := s.APIKeyByHash(ctx, k.Hash)
	check(t, err, "APIKeyByHash")
	same(t, got, k)
	got, err = s.GetAPIKey(ctx, "a", k.ID)
	check(t, err, "GetAPIKey")
	same(t, got, k)

	_, err = s.GetAPIKey(ctx, "b", k.ID)
	wantErr(t, err, vault.ErrNotFound, "GetAPIKey from another tenant")
	_, err = s.APIKeyByHash(ctx, []byte("no such hash"))
	wantErr(t, err, vault.ErrNotFound, "APIKeyByHash unknown")

	dupHash := newAPIKey("b", "key_2")
	dupHash.Hash = k.Hash
	wantErr(t, s.CreateAPIKey(ctx, dupHash), vault.ErrConflict, "CreateAPIKey with a taken hash")
	dupID := newAPIKey("a", k.ID)
	dupID.Hash = []byte("another hash")
	wantErr(t, s.CreateAPIKey(ctx, dupID), vault.ErrConflict, "CreateAPIKey with a taken id")

	// A key without expiry or scopes round-trips as zero values.
	bare := vault.APIKey{ID: "key_3", Tenant: "a", Name: "bare", Hash: []byte("bare"), CreatedAt: epoch()}
	check(t, s.CreateAPIKey(ctx, bare), "CreateAPIKey bare")
	got, err = s.GetAPIKey(ctx, "a", bare.ID)
	check(t, err, "GetAPIKey bare")
	same(t, got, bare)

	tag := []byte("tag after revocation")
	wantErr(t, s.RevokeAPIKey(ctx, "b", k.ID, epoch(), tag, k.Integrity), vault.ErrNotFound, "RevokeAPIKey from another tenant")
	at := epoch().Add(time.Hour)
	// A revocation decided on a stale read of the row (its tag moved on) is
	// refused and changes nothing.
	wantErr(t, s.RevokeAPIKey(ctx, "a", k.ID, at, tag, []byte("stale tag")), vault.ErrConflict, "RevokeAPIKey with a stale tag")
	wantErr(t, s.RevokeAPIKey(ctx, "a", k.ID, at, tag, nil), vault.ErrConflict, "RevokeAPIKey with no tag of a tagged row")
	got, err = s.GetAPIKey(ctx, "a", k.ID)
	check(t, err, "GetAPIKey after a refused revocation")
	same(t, got, k)
	check(t, s.RevokeAPIKey(ctx, "a", k.ID, at, tag, k.Integrity), "RevokeAPIKey")
	wantErr(t, s.RevokeAPIKey(ctx, "a", k.ID, at.Add(time.Hour), []byte("x"), tag), vault.ErrNotFound, "RevokeAPIKey twice")
	wantErr(t, s.RevokeAPIKey(ctx, "a", "missing", at, tag, nil), vault.ErrNotFound, "RevokeAPIKey missing")
	// A row without a tag is matched by a nil one.
	check(t, s.RevokeAPIKey(ctx, "a", bare.ID, at, tag, nil), "RevokeAPIKey of an untagged row")

	got, err = s.APIKeyByHash(ctx, k.Hash)
	check(t, err, "APIKeyByHash revoked")
	sameTime(t, got.RevokedAt, at, "RevokedAt")
	if string(got.Integrity) != string(tag) {
		t.Errorf("Integrity after revocation = %q, want the tag given to RevokeAPIKey", got.Integrity)
	}
	got, err = s.GetAPIKey(ctx, "a", k.ID)
	check(t, err, "GetAPIKey revoked")
	sameTime(t, got.RevokedAt, at, "RevokedAt")
}

// testAPIKeysPagination: ListAPIKeys pages by id within one tenant.
func testAPIKeysPagination(t *testing.T, s vault.Store) {
	ctx := t.Context()
	want := seq("key_", upTo(7)...)
	for i := len(want) - 1; i >= 0; i-- {
		check(t, s.CreateAPIKey(ctx, newAPIKey("a", want[i])), "CreateAPIKey")
	}
	check(t, s.CreateAPIKey(ctx, newAPIKey("b", "key_b")), "CreateAPIKey other tenant")
	check(t, s.RevokeAPIKey(ctx, "a", want[3], epoch(), nil, []byte("tag-of-"+want[3])), "RevokeAPIKey")

	var got []string
	after := ""
	for range 10 {
		page, err := s.ListAPIKeys(ctx, "a", vault.Page{After: after, Limit: 3})
		check(t, err, "ListAPIKeys")
		if len(page) > 3 {
			t.Fatalf("ListAPIKeys returned %d keys, limit 3", len(page))
		}
		if len(page) == 0 {
			break
		}
		for _, k := range page {
			if k.Tenant != "a" {
				t.Errorf("ListAPIKeys returned a key of tenant %q", k.Tenant)
			}
			got = append(got, k.ID)
		}
		after = page[len(page)-1].ID
	}
	sameIDs(t, got, want, "ListAPIKeys pages")
}

// testAPIKeyUpdate: UpdateAPIKey changes a live key's name, scopes and tag
// and nothing else, only while the row still holds the tag the caller
// read; revoked, missing and other tenants' keys are not found.
func testAPIKeyUpdate(t *testing.T, s vault.Store) {
	ctx := t.Context()
	k := newAPIKey("a", "key_1")
	check(t, s.CreateAPIKey(ctx, k), "CreateAPIKey")

	changed := k
	changed.Name = "renamed"
	changed.Scopes = []vault.Scope{vault.ScopeCardsRead}
	changed.Integrity = []byte("tag after update")
	// The columns UpdateAPIKey must not touch, given other values.
	changed.Hash, changed.CreatedAt, changed.ExpiresAt = []byte("other hash"), epoch().Add(time.Hour), time.Time{}

	wantErr(t, s.UpdateAPIKey(ctx, changed, []byte("stale tag")), vault.ErrConflict, "UpdateAPIKey with a stale tag")
	wantErr(t, s.UpdateAPIKey(ctx, changed, nil), vault.ErrConflict, "UpdateAPIKey with no tag of a tagged row")
	got, err := s.GetAPIKey(ctx, "a", k.ID)
	check(t, err, "GetAPIKey after a refused update")
	same(t, got, k)

	other := changed
	other.Tenant = "b"
	wantErr(t, s.UpdateAPIKey(ctx, other, k.Integrity), vault.ErrNotFound, "UpdateAPIKey from another tenant")
	missing := changed
	missing.ID = "missing"
	wantErr(t, s.UpdateAPIKey(ctx, missing, k.Integrity), vault.ErrNotFound, "UpdateAPIKey missing")

	check(t, s.UpdateAPIKey(ctx, changed, k.Integrity), "UpdateAPIKey")
	want := k
	want.Name, want.Scopes, want.Integrity = changed.Name, changed.Scopes, changed.Integrity
	got, err = s.GetAPIKey(ctx, "a", k.ID)
	check(t, err, "GetAPIKey after update")
	same(t, got, want)
	got, err = s.APIKeyByHash(ctx, k.Hash)
	check(t, err, "APIKeyByHash after update")
	same(t, got, want)

	// A revocation decided before the update is refused; one after it lands.
	at := epoch().Add(time.Hour)
	wantErr(t, s.RevokeAPIKey(ctx, "a", k.ID, at, []byte("revoked"), k.Integrity), vault.ErrConflict, "RevokeAPIKey with the pre-update tag")
	check(t, s.RevokeAPIKey(ctx, "a", k.ID, at, []byte("revoked"), want.Integrity), "RevokeAPIKey")
	// A revoked key is not changed, whatever tag is given.
	again := changed
	again.Scopes = []vault.Scope{vault.ScopeAdmin}
	wantErr(t, s.UpdateAPIKey(ctx, again, []byte("revoked")), vault.ErrNotFound, "UpdateAPIKey of a revoked key")
	got, err = s.GetAPIKey(ctx, "a", k.ID)
	check(t, err, "GetAPIKey revoked")
	if vault.JoinScopes(got.Scopes) != "cards:read" || got.RevokedAt.IsZero() {
		t.Errorf("a revoked key was changed: %+v", got)
	}

	// Inside a transaction that rolls back, the update is undone.
	k2 := newAPIKey("a", "key_2")
	check(t, s.CreateAPIKey(ctx, k2), "CreateAPIKey")
	rolled := k2
	rolled.Scopes = []vault.Scope{vault.ScopeAdmin}
	errRollback := errors.New("roll back")
	err = s.Tx(ctx, func(tx vault.Store) error {
		check(t, tx.UpdateAPIKey(ctx, rolled, k2.Integrity), "UpdateAPIKey in Tx")
		return errRollback
	})
	wantErr(t, err, errRollback, "Tx")
	got, err = s.GetAPIKey(ctx, "a", k2.ID)
	check(t, err, "GetAPIKey after rollback")
	same(t, got, k2)
}
