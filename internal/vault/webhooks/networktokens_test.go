package webhooks_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// The network-token lifecycle reaches an endpoint as signed events queued
// in the same transaction as each change: a change whose event cannot be
// queued does not happen, and an event names the token and card by id,
// never the DPAN.
func TestNetworkTokenLifecycleIsDeliveredFromTheChangesTransaction(t *testing.T) {
	eachStore(t, func(t *testing.T, d *db) {
		ctx := context.Background()
		rc := newReceiver(t, 0, d.clock)
		n := d.start(t, rc.allow(), fastOptions)
		nt := networktokens.New(n.vault, func(st tsp.Storage) tsp.Provider { return tsp.NewSandbox(st, n.vault.Now) })
		nt.OnEvent(func(ctx context.Context, tx *vault.Service, e tsp.Event, tok tsp.Token) error {
			_, err := n.hooks.PublishIn(ctx, tx, webhooks.NetworkTokenEvent(e, tok))
			return err
		})
		rc.register(t, n, vault.DefaultTenant)
		exp, _ := card.NewExpiry(12, 2034)
		c, err := n.vault.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "4111111111111111"), Expiry: exp})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := nt.Provision(ctx, vault.DefaultTenant, c.ID, networktokens.ProvisionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nt.Suspend(ctx, vault.DefaultTenant, tok.ID); err != nil {
			t.Fatal(err)
		}
		events, err := nt.Events(ctx, vault.DefaultTenant, "", 10)
		if err != nil || len(events) != 2 {
			t.Fatalf("events %v %v", events, err)
		}
		var ids []string
		for _, e := range events {
			ids = append(ids, "evt_"+e.ID)
		}
		deliverAll(t, d, rc, ids, n)

		// A change whose event cannot be queued is undone with it.
		nt.OnEvent(func(ctx context.Context, tx *vault.Service, e tsp.Event, tok tsp.Token) error {
			if _, err := n.hooks.PublishIn(ctx, tx, webhooks.NetworkTokenEvent(e, tok)); err != nil {
				return err
			}
			return errors.New("the outbox write failed")
		})
		if _, err := nt.Resume(ctx, vault.DefaultTenant, tok.ID); err == nil {
			t.Fatal("resume succeeded without its event")
		}
		if got, _ := nt.Get(ctx, vault.DefaultTenant, tok.ID); got.State != tsp.StateSuspended {
			t.Fatalf("state %s after a failed resume", got.State)
		}
		d.clock.Advance(time.Minute)
		if k, err := n.hooks.DeliverDue(ctx); err != nil || k != 0 {
			t.Fatalf("an undone change was delivered: %d %v", k, err)
		}
		ok, bad, seen := rc.counts()
		if len(bad) != 0 || seen != 2 || ok[ids[0]] != 1 || ok[ids[1]] != 1 {
			t.Fatalf("received %v in %d (bad %v)", ok, seen, bad)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if strings.Contains(strings.Join(rc.bodies, ""), tok.DPAN.Digits()) {
			t.Fatal("an event carries the DPAN")
		}
		if !strings.Contains(strings.Join(rc.bodies, ""), `"type":"network_token.suspended"`) {
			t.Fatalf("bodies %v", rc.bodies)
		}
	})
}
