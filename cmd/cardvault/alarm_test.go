package main

import (
	"context"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// TestDeletedCardLosesItsNetworkTokens: a card deleted through any API (here
// the core's own delete, as the native API and PCI Vault do) takes its live
// network tokens with it, so no DPAN outlives its funding card.
func TestDeletedCardLosesItsNetworkTokens(t *testing.T) {
	e := vaulttest.New(t, vaulttest.Options{})
	auditNotices(e.Vault, e.Audit, e.Audit, nil, nil, e.NetworkTokens)
	ctx := context.Background()
	exp, err := card.NewExpiry(12, time.Now().Year()+3)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Vault.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "4242424242424242"), Expiry: exp})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.NetworkTokens.Provision(ctx, vault.DefaultTenant, c.ID, networktokens.ProvisionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Vault.DeleteCard(ctx, vault.DefaultTenant, c.ID); err != nil {
		t.Fatal(err)
	}
	// The notice is delivered after the delete on its own goroutine.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := e.NetworkTokens.Get(ctx, vault.DefaultTenant, tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State == tsp.StateDeleted {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the network token of a deleted card is still %s", got.State)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
