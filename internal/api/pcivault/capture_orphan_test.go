package pcivault_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// A writer to the database who deletes only a user key's row (leaving its
// capture endpoints) gets no more data stored for that user: a post to the
// endpoint is a 404 in PCI Vault's shape and stores nothing. The same post
// works while the row is there.
func TestCaptureRefusedOnceUserKeyRowIsGone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t)
	resp, body := e.post(t, ep.URL, ep.Secret, seedCard)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	ctx := context.Background()
	recs, err := e.Store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindUserKey, Page: vault.Page{Limit: 10}}, e.Clock.Now())
	if err != nil || len(recs) != 1 {
		t.Fatalf("user key rows: %d, %v", len(recs), err)
	}
	if err := e.Store.DeleteRecord(ctx, vault.DefaultTenant, vault.KindUserKey, recs[0].ID); err != nil {
		t.Fatal(err)
	}
	before := e.entries(t)
	resp, body = e.post(t, ep.URL+"?reference=after", ep.Secret, seedCard)
	wantError(t, resp, body, http.StatusNotFound)
	if n := e.entries(t); n != before {
		t.Fatalf("%d entries after the refused post, want %d", n, before)
	}
}
