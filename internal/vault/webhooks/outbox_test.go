package webhooks_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// publish records n events for the tenant and returns their ids.
func publish(t *testing.T, n *node, tenant string, count int) []string {
	t.Helper()
	var ids []string
	for i := range count {
		id, err := n.hooks.Publish(context.Background(), webhooks.Event{Type: webhooks.EventNetworkTokenSuspended,
			Tenant: tenant, Data: map[string]string{"network_token_id": fmt.Sprintf("nt_%d", i), "state": "suspended"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// deliverAll runs DeliverDue on n, moving the clock on between rounds so
// that retries fall due, until it finds nothing to do with every event
// delivered, or fails the test after rounds rounds.
func deliverAll(t *testing.T, d *db, rc *receiver, ids []string, nodes ...*node) {
	t.Helper()
	for range 200 {
		for _, n := range nodes {
			if _, err := n.hooks.DeliverDue(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		ok, _, _ := rc.counts()
		done := true
		for _, id := range ids {
			done = done && ok[id] > 0
		}
		if done {
			return
		}
		d.clock.Advance(2 * time.Second)
	}
	t.Fatal("the events were not all delivered")
}

func TestDownReceiverGetsEveryEventExactlyOnceAcrossARestart(t *testing.T) {
	eachStore(t, func(t *testing.T, d *db) {
		rc := newReceiver(t, 7, d.clock)
		first := d.start(t, rc.allow(), fastOptions)
		rc.register(t, first, vault.DefaultTenant)
		ids := publish(t, first, vault.DefaultTenant, 5)

		// The first node tries while the receiver is down, then stops.
		n, err := first.hooks.DeliverDue(context.Background())
		if err != nil || n != 5 {
			t.Fatalf("first round attempted %d (%v), want 5", n, err)
		}
		if ok, _, seen := rc.counts(); len(ok) != 0 || seen != 5 {
			t.Fatalf("while down: delivered %v, seen %d", ok, seen)
		}
		// Nothing is due again before the backoff has passed.
		if n, err := first.hooks.DeliverDue(context.Background()); err != nil || n != 0 {
			t.Fatalf("retried before the backoff: %d %v", n, err)
		}
		first.store.Close()

		// A new process on the same database finishes the job.
		second := d.start(t, rc.allow(), fastOptions)
		deliverAll(t, d, rc, ids, second)
		ok, bad, seen := rc.counts()
		if len(bad) != 0 {
			t.Fatalf("bad requests: %v", bad)
		}
		for _, id := range ids {
			if ok[id] != 1 {
				t.Errorf("event %s delivered %d times, want 1", id, ok[id])
			}
		}
		if len(ok) != len(ids) || seen != 5+2+5 {
			t.Fatalf("delivered %v in %d requests, want 5 events in 12 (7 failed)", ok, seen)
		}
		// Delivered means done: later rounds send nothing more.
		d.clock.Advance(time.Hour)
		if n, err := second.hooks.DeliverDue(context.Background()); err != nil || n != 0 {
			t.Fatalf("a delivered event was sent again: %d %v", n, err)
		}
		eps, err := second.hooks.List(context.Background(), vault.DefaultTenant, vault.Page{})
		if err != nil || len(eps) != 1 {
			t.Fatal(eps, err)
		}
		ds, err := second.hooks.Deliveries(context.Background(), vault.DefaultTenant, eps[0].ID, vault.Page{})
		if err != nil || len(ds) != 5 {
			t.Fatalf("deliveries %v %v", ds, err)
		}
		attempts := 0
		for _, dl := range ds {
			if dl.State != webhooks.StateDelivered || dl.LastStatus != 204 {
				t.Errorf("delivery %+v, want delivered with 204", dl)
			}
			attempts += dl.Attempts
		}
		if attempts != 12 {
			t.Errorf("attempts recorded %d, want 12", attempts)
		}
	})
}

func TestAClaimOfADeadNodeIsTakenOverAfterItsLease(t *testing.T) {
	eachStore(t, func(t *testing.T, d *db) {
		rc := newReceiver(t, 0, d.clock)
		dead := d.start(t, rc.allow(), fastOptions)
		rc.register(t, dead, vault.DefaultTenant)
		ids := publish(t, dead, vault.DefaultTenant, 3)
		// The node claims everything, then dies before sending anything.
		if n, err := webhooks.ClaimAndAbandon(context.Background(), dead.hooks); err != nil || n != 3 {
			t.Fatalf("claimed %d %v", n, err)
		}
		dead.store.Close()

		other := d.start(t, rc.allow(), fastOptions)
		if n, err := other.hooks.DeliverDue(context.Background()); err != nil || n != 0 {
			t.Fatalf("a leased delivery was taken before its lease ran out: %d %v", n, err)
		}
		d.clock.Advance(fastOptions.Lease + time.Second)
		deliverAll(t, d, rc, ids, other)
		ok, _, seen := rc.counts()
		if seen != 3 || len(ok) != 3 {
			t.Fatalf("delivered %v in %d requests", ok, seen)
		}
	})
}

func TestTwoNodesDoNotSendOneDeliveryTwice(t *testing.T) {
	eachStore(t, func(t *testing.T, d *db) {
		rc := newReceiver(t, 0, d.clock)
		a := d.start(t, rc.allow(), fastOptions)
		b := d.start(t, rc.allow(), fastOptions)
		rc.register(t, a, vault.DefaultTenant)
		ids := publish(t, a, vault.DefaultTenant, 40)
		var wg sync.WaitGroup
		for _, n := range []*node{a, b} {
			wg.Go(func() {
				for range 40 {
					if _, err := n.hooks.DeliverDue(context.Background()); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		ok, bad, seen := rc.counts()
		if len(bad) != 0 {
			t.Fatal(bad)
		}
		for _, id := range ids {
			if ok[id] != 1 {
				t.Errorf("event %s received %d times, want 1", id, ok[id])
			}
		}
		if seen != len(ids) {
			t.Fatalf("%d requests for %d events", seen, len(ids))
		}
	})
}

func TestAttemptsRunOutAndADeletedEndpointIsCancelled(t *testing.T) {
	eachStore(t, func(t *testing.T, d *db) {
		rc := newReceiver(t, 1000, d.clock)
		o := fastOptions
		o.MaxAttempts = 3
		var outcomes []string
		o.Observe = func(outcome string) { outcomes = append(outcomes, outcome) }
		n := d.start(t, rc.allow(), o)
		ep := rc.register(t, n, vault.DefaultTenant)
		publish(t, n, vault.DefaultTenant, 1)
		for range 5 {
			if _, err := n.hooks.DeliverDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			d.clock.Advance(2 * time.Second)
		}
		ds, err := n.hooks.Deliveries(context.Background(), vault.DefaultTenant, ep.ID, vault.Page{})
		if err != nil || len(ds) != 1 || ds[0].State != webhooks.StateFailed || ds[0].Attempts != 3 || ds[0].LastStatus != 503 {
			t.Fatalf("after the attempts ran out: %+v %v", ds, err)
		}
		if _, _, seen := rc.counts(); seen != 3 {
			t.Fatalf("%d requests, want 3", seen)
		}
		if fmt.Sprint(outcomes) != "[retry retry gave_up]" {
			t.Fatalf("observed %v", outcomes)
		}

		publish(t, n, vault.DefaultTenant, 1)
		if err := n.hooks.Delete(context.Background(), vault.DefaultTenant, ep.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := n.hooks.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, _, seen := rc.counts(); seen != 3 {
			t.Fatalf("an event for a deleted endpoint was sent (%d requests)", seen)
		}
		if n, err := n.hooks.DeliverDue(context.Background()); err != nil || n != 0 {
			t.Fatalf("a cancelled delivery is still pending: %d %v", n, err)
		}
	})
}
