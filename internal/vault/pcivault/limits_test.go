package pcivault_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// storedCard makes user "u" and stores a card under it, reference "r".
func storedCard(t *testing.T, p *pcivault.Service) pcivault.EntryRef {
	t.Helper()
	ctx := context.Background()
	if _, _, err := p.CreateUserKey(ctx, vault.DefaultTenant, "u", pvPass); err != nil {
		t.Fatal(err)
	}
	ref, err := p.StoreEntry(ctx, vault.DefaultTenant, pcivault.StoreInput{User: "u", Passphrase: pvPass, Reference: "r",
		Data: []byte(`{"card_number":"4111111111111111"}`)})
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// lockedCapture stores a card under user "u" and returns an endpoint locked
// down to it.
func lockedCapture(t *testing.T, p *pcivault.Service) pcivault.Capture {
	t.Helper()
	ctx := context.Background()
	ref := storedCard(t, p)
	c, err := p.CreateCapture(ctx, vault.DefaultTenant, pcivault.CaptureInput{User: "u", Passphrase: pvPass, TTL: time.Hour,
		LockToken: ref.Token, LockReference: "r"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Refused guesses are counted in the store, so two nodes (two PCIVaults on
// one store) share the bound, and guesses sent at once cannot outrun it:
// at most pcivault.MaxRefusedMerges of them are answered, the rest find no
// endpoint.
func TestPCIVaultRefusedMergesAreBoundedAcrossNodes(t *testing.T) {
	pvServices(t, func(t *testing.T, svc *vault.Service) {
		ctx := context.Background()
		p := pcivault.New(svc, pcivault.Options{KDF: seal.TestKDFParams})
		other := pcivault.New(svc, pcivault.Options{KDF: seal.TestKDFParams})
		c := lockedCapture(t, p)
		guess := []byte(`{"card_number":"5555555555554444"}`)
		if _, _, err := other.Capture(ctx, c.ID, c.Secret, pcivault.Posted{Data: guess}); vault.CodeOf(err) != vault.CodeInvalid {
			t.Fatalf("first guess on node 2: %v", err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 12)
		for i := range errs {
			node := p
			if i%2 == 1 {
				node = other
			}
			wg.Go(func() { _, _, errs[i] = node.Capture(ctx, c.ID, c.Secret, pcivault.Posted{Data: guess}) })
		}
		wg.Wait()
		refused := 1
		for _, err := range errs {
			switch vault.CodeOf(err) {
			case vault.CodeInvalid:
				refused++
			case vault.CodeNotFound, vault.CodeConflict:
			default:
				t.Fatalf("guess: %v", err)
			}
		}
		if refused > pcivault.MaxRefusedMerges {
			t.Fatalf("%d guesses were answered, want at most %d", refused, pcivault.MaxRefusedMerges)
		}
		if _, err := p.CheckCapture(ctx, c.ID, c.Secret); vault.CodeOf(err) != vault.CodeNotFound {
			t.Fatalf("the endpoint survived: %v", err)
		}
	})
}

// By default an endpoint takes posts until it is deleted or expires, as
// seed 000 has it: no lifetime count (101 captures all succeed).
func TestPCIVaultNoDefaultCaptureLimit(t *testing.T) {
	pvStores(t, func(t *testing.T, p *pcivault.Service) {
		ctx := context.Background()
		if _, _, err := p.CreateUserKey(ctx, vault.DefaultTenant, "u", pvPass); err != nil {
			t.Fatal(err)
		}
		c, err := p.CreateCapture(ctx, vault.DefaultTenant, pcivault.CaptureInput{User: "u", Passphrase: pvPass})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 101 {
			if _, _, err := p.Capture(ctx, c.ID, c.Secret, pcivault.Posted{Reference: fmt.Sprintf("r%d", i), Data: []byte(`{"cvv":"123"}`)}); err != nil {
				t.Fatalf("capture %d: %v", i+1, err)
			}
		}
		refs, _, err := p.ListEntries(ctx, vault.DefaultTenant, "u", vault.Page{Limit: 1000})
		if err != nil || len(refs) != 101 {
			t.Fatalf("%d entries (%v), want 101", len(refs), err)
		}
	})
}
