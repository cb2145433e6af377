package pcivault_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// lockedCapture stores a card under user "u" and returns an endpoint locked
// down to it.
func lockedCapture(t *testing.T, p *pcivault.Service) pcivault.Capture {
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
		if _, _, err := other.Capture(ctx, c.ID, c.Secret, "", guess); vault.CodeOf(err) != vault.CodeInvalid {
			t.Fatalf("first guess on node 2: %v", err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 12)
		for i := range errs {
			node := p
			if i%2 == 1 {
				node = other
			}
			wg.Go(func() { _, _, errs[i] = node.Capture(ctx, c.ID, c.Secret, "", guess) })
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

// By default an endpoint that is not locked down takes 100 captures, then
// refuses with pcivault.ErrCaptureLimit and writes nothing.
func TestPCIVaultDefaultCaptureLimit(t *testing.T) {
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
			_, _, err := p.Capture(ctx, c.ID, c.Secret, fmt.Sprintf("r%d", i), []byte(`{"cvv":"123"}`))
			if i < 100 && err != nil {
				t.Fatalf("capture %d: %v", i+1, err)
			}
			if i == 100 && !errors.Is(err, pcivault.ErrCaptureLimit) {
				t.Fatalf("capture 101: %v", err)
			}
		}
		refs, _, err := p.ListEntries(ctx, vault.DefaultTenant, "u", vault.Page{Limit: 1000})
		if err != nil || len(refs) != 100 {
			t.Fatalf("%d entries (%v), want 100", len(refs), err)
		}
	})
}
