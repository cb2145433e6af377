package guardian_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	hdr := []string{"x-api-key", e.AdminKey, "x-idempotency-key", "order_12345_retry_001"}
	resp1, b1 := e.Do(t, "POST", "/api/pci/tokens", panBody, hdr...)
	resp2, b2 := e.Do(t, "POST", "/api/pci/tokens", panBody, hdr...)
	if resp1.StatusCode != 200 || resp2.StatusCode != 200 || string(b1) != string(b2) {
		t.Fatalf("replay differs:\n%d %s\n%d %s", resp1.StatusCode, b1, resp2.StatusCode, b2)
	}
	if ct := resp2.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("replay content type %q", ct)
	}
	if cards, _ := e.Vault.ListCards(context.Background(), vault.DefaultTenant, vault.Page{Limit: 10}); len(cards) != 1 {
		t.Fatalf("%d cards after a replay", len(cards))
	}

	// Same key, different body: 422, nothing done.
	other := strings.Replace(panBody, "o-1", "o-2", 1)
	resp, b := e.Do(t, "POST", "/api/pci/tokens", other, hdr...)
	wantError(t, resp, b, http.StatusUnprocessableEntity, "different request")
	// Same key on another operation is another request too.
	tok := vaulttest.Decode[token](t, b1)
	resp, b = e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/security-code", "", hdr...)
	wantError(t, resp, b, http.StatusUnprocessableEntity)

	// Errors are replayed as they were (a 4xx is an answer)...
	bad := []string{"x-api-key", e.AdminKey, "x-idempotency-key", "bad-1"}
	r1, e1 := e.Do(t, "POST", "/api/pci/tokens", `{"source":{"type":"nope"}}`, bad...)
	r2, e2 := e.Do(t, "POST", "/api/pci/tokens", `{"source":{"type":"nope"}}`, bad...)
	if r1.StatusCode != 400 || r2.StatusCode != 400 || string(e1) != string(e2) {
		t.Fatalf("error replay: %s / %s", e1, e2)
	}

	// Keys are per tenant: another tenant's same key is its own.
	acme := []string{"x-api-key", e.TenantKey(t, "acme"), "x-idempotency-key", "order_12345_retry_001"}
	resp, b = e.Do(t, "POST", "/api/pci/tokens", panBody, acme...)
	if resp.StatusCode != 200 || vaulttest.Decode[token](t, b).ID == tok.ID {
		t.Fatalf("another tenant got the replay: %s", b)
	}

	// Keys are kept for 24 h, then the same key does the work again.
	e.Clock.Advance(vault.IdempotencyTTL + time.Second)
	resp, b = e.Do(t, "POST", "/api/pci/tokens", panBody, hdr...)
	if resp.StatusCode != 200 || vaulttest.Decode[token](t, b).ID == tok.ID {
		t.Fatalf("a key older than 24 h replayed: %s", b)
	}

	for _, k := range []string{strings.Repeat("k", 256), "has space", "tab\tkey"} {
		resp, b := e.Do(t, "POST", "/api/pci/tokens", panBody, "x-api-key", e.AdminKey, "x-idempotency-key", k)
		wantError(t, resp, b, http.StatusBadRequest, "idempotency key")
	}
}

func TestIdempotencyStoresNoCardData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.Do(t, "POST", "/api/pci/tokens", panBody, "x-api-key", e.AdminKey, "x-idempotency-key", "k-1")
	recs, err := e.Store.ListRecords(context.Background(), vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindIdempotency, Page: vault.Page{Limit: 10}}, time.Time{})
	if err != nil || len(recs) != 1 || recs[0].Key != "k-1" {
		t.Fatalf("records %v %v", recs, err)
	}
	// The stored response is sealed: not even the masked number shows.
	for _, s := range []string{pan, "411111", "masked_account_number", "123"} {
		if strings.Contains(string(recs[0].Data), s) {
			t.Errorf("stored idempotency record shows %q", s)
		}
	}
	// A replay answers exactly the stored body: the masked token.
	_, b := e.Do(t, "POST", "/api/pci/tokens", panBody, "x-api-key", e.AdminKey, "x-idempotency-key", "k-1")
	if body := string(b); !strings.Contains(body, "411111******1111") || strings.Contains(body, pan) || strings.Contains(body, `"123"`) {
		t.Fatalf("stored response: %s", body)
	}
}

func TestIdempotencyRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const n = 8
	type reply struct {
		status int
		body   string
	}
	replies := make([]reply, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			resp, b := e.Do(t, "POST", "/api/pci/tokens", panBody, "x-api-key", e.AdminKey, "x-idempotency-key", "race-1")
			replies[i] = reply{resp.StatusCode, string(b)}
		})
	}
	close(start)
	wg.Wait()
	for i, r := range replies {
		if r != replies[0] || r.status != 200 {
			t.Errorf("reply %d differs: %d %s / %d %s", i, r.status, r.body, replies[0].status, replies[0].body)
		}
	}
	if cards, _ := e.Vault.ListCards(context.Background(), vault.DefaultTenant, vault.Page{Limit: 100}); len(cards) != 1 {
		t.Fatalf("%d concurrent requests with one key made %d tokens", n, len(cards))
	}
}

func TestIdempotentKeyCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	// An API key's secret is shown once: a replay answers the key without it.
	hdr := []string{"x-api-key", e.AdminKey, "x-idempotency-key", "key-1"}
	r1, k1 := e.Do(t, "POST", "/api/admin/api-keys", `{"scopes":["pci:tokens:read"]}`, hdr...)
	r2, k2 := e.Do(t, "POST", "/api/admin/api-keys", `{"scopes":["pci:tokens:read"]}`, hdr...)
	first, again := vaulttest.Decode[map[string]any](t, k1), vaulttest.Decode[map[string]any](t, k2)
	if r1.StatusCode != 200 || r2.StatusCode != 200 || first["key_value"] == nil || again["key_value"] != nil || first["id"] != again["id"] {
		t.Fatalf("key create replay: %s / %s", k1, k2)
	}
	resp, b := e.Do(t, "GET", "/api/admin/api-keys?limit=100", "", "x-api-key", e.AdminKey)
	if resp.StatusCode != 200 || strings.Count(string(b), `"id"`) != 2 { // bootstrap + one
		t.Fatalf("keys after a replayed create: %s", b)
	}
}

// A replay of a request that made a session answers the same session_id
// (to a retry, and to another key of the tenant that sends the same key
// and body), not a 409: the id sits in the idempotency record, sealed with
// the rest of its value, and never in the store's clear columns or data.
func TestIdempotentSessionReplayed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok := createToken(t, e, e.AdminKey, panBody)
	other := e.Key(t, vault.ScopeCardsWrite)
	for name, path := range map[string]string{
		"session source":        "/api/pci/tokens",
		"security-code refresh": "/api/pci/tokens/" + tok.ID + "/security-code",
	} {
		t.Run(name, func(t *testing.T) {
			body := ""
			if path == "/api/pci/tokens" {
				body = `{"source":{"type":"session"}}`
			}
			idem := "sess-" + strings.ReplaceAll(name, " ", "-")
			r1, b1 := e.Do(t, "POST", path, body, "x-api-key", e.AdminKey, "x-idempotency-key", idem)
			first := vaulttest.Decode[map[string]string](t, b1)
			if r1.StatusCode != 200 || first["session_id"] == "" {
				t.Fatalf("create: %d %s", r1.StatusCode, b1)
			}
			for _, key := range []string{e.AdminKey, other} {
				resp, b := e.Do(t, "POST", path, body, "x-api-key", key, "x-idempotency-key", idem)
				if got := vaulttest.Decode[map[string]string](t, b); resp.StatusCode != 200 || len(got) != 1 || got["session_id"] != first["session_id"] {
					t.Fatalf("replay: %d %s, want 200 with session_id %s", resp.StatusCode, b, first["session_id"])
				}
			}
			// The replayed id is a live session, the one the first request made.
			if resp, b := e.Do(t, "GET", "/sessions/"+first["session_id"], ""); resp.StatusCode != 200 {
				t.Fatalf("replayed session: %d %s", resp.StatusCode, b)
			}
			// Another body under the same key is still refused.
			if path == "/api/pci/tokens" {
				resp, b := e.Do(t, "POST", path, `{"source":{"type":"session"},"metadata":{"a":"b"}}`, "x-api-key", e.AdminKey, "x-idempotency-key", idem)
				wantError(t, resp, b, http.StatusUnprocessableEntity)
			}
			recs, err := e.Store.ListRecords(context.Background(), vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindIdempotency,
				Page: vault.Page{Limit: 10}}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			sealed := false
			for _, rec := range recs {
				if raw, _ := json.Marshal(rec); strings.Contains(string(raw), first["session_id"]) {
					t.Fatalf("the session id is in the store in clear: %s", raw)
				}
				raw, err := e.Vault.RecordPlaintext(context.Background(), rec)
				if err != nil {
					t.Fatal(err)
				}
				var d struct {
					Body []byte `json:"body"`
				}
				if err := json.Unmarshal(raw, &d); err != nil {
					t.Fatal(err)
				}
				sealed = sealed || strings.Contains(string(d.Body), first["session_id"])
			}
			if !sealed {
				t.Fatal("no idempotency record holds the session id sealed")
			}
		})
	}
	// A pan source is replayed as before.
	hdr := []string{"x-api-key", e.AdminKey, "x-idempotency-key", "pan-1"}
	_, b1 := e.Do(t, "POST", "/api/pci/tokens", panBody, hdr...)
	r2, b2 := e.Do(t, "POST", "/api/pci/tokens", panBody, hdr...)
	if r2.StatusCode != 200 || string(b1) != string(b2) {
		t.Fatalf("pan replay: %s / %s", b1, b2)
	}
}
