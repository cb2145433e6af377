package storetest

import (
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
	wantErr(t, s.RevokeAPIKey(ctx, "b", k.ID, epoch(), tag), vault.ErrNotFound, "RevokeAPIKey from another tenant")
	at := epoch().Add(time.Hour)
	check(t, s.RevokeAPIKey(ctx, "a", k.ID, at, tag), "RevokeAPIKey")
	wantErr(t, s.RevokeAPIKey(ctx, "a", k.ID, at.Add(time.Hour), []byte("x")), vault.ErrNotFound, "RevokeAPIKey twice")
	wantErr(t, s.RevokeAPIKey(ctx, "a", "missing", at, tag), vault.ErrNotFound, "RevokeAPIKey missing")

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
	check(t, s.RevokeAPIKey(ctx, "a", want[3], epoch(), nil), "RevokeAPIKey")

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
