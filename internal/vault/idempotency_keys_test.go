package vault_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

func TestIdempotencyClaimFinishReplay(t *testing.T) {
	svc, _, c := newService(t)
	ctx := context.Background()
	hash := []byte("request-hash-1")
	claim, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", hash, 0)
	if err != nil || claim.Replay != nil {
		t.Fatalf("first claim %+v %v", claim, err)
	}
	// In progress: a second claim that does not wait is told so.
	if _, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", hash, 0); !errors.Is(err, vault.ErrIdempotencyInProgress) {
		t.Fatalf("claim while in progress: %v", err)
	}
	if _, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", []byte("other"), 0); !errors.Is(err, vault.ErrIdempotencyMismatch) {
		t.Fatalf("claim with another request: %v", err)
	}
	if err := svc.FinishIdempotencyKey(ctx, claim, vault.IdempotentResponse{Status: 201, ContentType: "application/json", Body: []byte(`{"ok":1}`)}); err != nil {
		t.Fatal(err)
	}
	again, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", hash, 0)
	if err != nil || again.Replay == nil || again.Replay.Status != 201 || string(again.Replay.Body) != `{"ok":1}` {
		t.Fatalf("replay %+v %v", again, err)
	}
	// Another tenant's key of the same name is its own.
	if _, err := svc.CreateTenant(ctx, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	if other, err := svc.ClaimIdempotencyKey(ctx, "acme", "k", hash, 0); err != nil || other.Replay != nil {
		t.Fatalf("other tenant %+v %v", other, err)
	}
	// After 24 h the key is free again.
	c.Advance(vault.IdempotencyTTL)
	if fresh, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", []byte("new"), 0); err != nil || fresh.Replay != nil {
		t.Fatalf("claim after expiry %+v %v", fresh, err)
	}
}

func TestIdempotencyStaleClaimIsTakenOver(t *testing.T) {
	svc, _, c := newService(t)
	ctx := context.Background()
	if _, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", []byte("h"), 0); err != nil {
		t.Fatal(err)
	}
	// The first request's node died: after the lease, the key can be claimed.
	c.Advance(2 * time.Minute)
	claim, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", []byte("h"), 0)
	if err != nil || claim.Replay != nil {
		t.Fatalf("takeover %+v %v", claim, err)
	}
	if err := svc.FinishIdempotencyKey(ctx, claim, vault.IdempotentResponse{Status: 200, Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
}

func TestIdempotencyReleaseAndRace(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	claim, _ := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", []byte("h"), 0)
	if err := svc.ReleaseIdempotencyKey(ctx, claim); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners, replays := 0, 0
	for range n {
		wg.Go(func() {
			c, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", []byte("h"), 10*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if c.Replay != nil {
				replays++
				return
			}
			winners++
			if err := svc.FinishIdempotencyKey(ctx, c, vault.IdempotentResponse{Status: 200, Body: []byte("done")}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if winners != 1 || replays != n-1 {
		t.Fatalf("%d winners, %d replays", winners, replays)
	}
	for _, k := range []string{"", "with space", string(make([]byte, 256))} {
		if _, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, k, []byte("h"), 0); vault.CodeOf(err) != vault.CodeInvalid {
			t.Errorf("key %q: %v", k, err)
		}
	}
}

// The request hash a facade passes in stands for a body that can hold card
// data (a tokenize request), so the store keeps only a keyed hash of it.
func TestIdempotencyStoresKeyedRequestHash(t *testing.T) {
	svc, store, _ := newService(t)
	ctx := context.Background()
	sum := sha256.Sum256([]byte(`{"source":{"type":"pan","account_number":"4111111111111111","security_code":"123"}}`))
	claim, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", sum[:], 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.FinishIdempotencyKey(ctx, claim, vault.IdempotentResponse{Status: 200, Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	rec, err := store.RecordByKey(ctx, vault.DefaultTenant, vault.KindIdempotency, "k", svc.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := svc.RecordPlaintext(ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Hash []byte `json:"hash"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Hash) == 0 || bytes.Contains(d.Hash, sum[:]) || strings.Contains(string(d.Hash), hex.EncodeToString(sum[:])) {
		t.Fatalf("the store keeps the caller's plain hash: %x", d.Hash)
	}
	// The same request still replays; another does not.
	if again, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", sum[:], 0); err != nil || again.Replay == nil {
		t.Fatalf("replay %+v %v", again, err)
	}
	if _, err := svc.ClaimIdempotencyKey(ctx, vault.DefaultTenant, "k", []byte("other"), 0); !errors.Is(err, vault.ErrIdempotencyMismatch) {
		t.Fatalf("another request: %v", err)
	}
}
