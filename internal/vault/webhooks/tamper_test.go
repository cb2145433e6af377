package webhooks_test

import (
	"context"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/tamper"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// An attacker who can write to the database copies one delivery's sealed
// data over another's, hoping the vault signs and sends it again, or
// sends it to another endpoint. The copy fails to open: nothing of it is
// sent, and another tenant's deliveries go out as usual.
func TestATamperedDeliveryIsNeverSent(t *testing.T) {
	for _, b := range tamper.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.Open(t)
			keyring, err := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
			if err != nil {
				t.Fatal(err)
			}
			clock := &vaulttest.Clock{}
			clock.Stop(vaulttest.CoreEpoch)
			v := vault.New(db.Store, keyring, vault.Options{Now: clock.Now})
			if err := v.Init(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := v.CreateTenant(ctx, "zeta", "zeta"); err != nil {
				t.Fatal(err)
			}
			victim, other := newReceiver(t, 0, clock), newReceiver(t, 0, clock)
			hooks := webhooks.New(v, relay(t, victim.allow()+","+other.allow()), nil, fastOptions)
			n := &node{vault: v, hooks: hooks}
			victim.register(t, n, vault.DefaultTenant)
			other.register(t, n, "zeta")
			first := publish(t, n, vault.DefaultTenant, 1)[0]
			second := publish(t, n, vault.DefaultTenant, 1)[0]
			zeta := publish(t, n, "zeta", 1)[0]
			if got := db.Exec(t, `UPDATE records SET data = (SELECT data FROM records r WHERE r.kind = ? AND r.key LIKE ?)
				WHERE kind = ? AND key LIKE ?`, vault.KindWebhookDelivery, first+"/%", vault.KindWebhookDelivery, second+"/%"); got != 1 {
				t.Fatalf("tampered %d rows", got)
			}
			if _, err := hooks.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			if ok, _, seen := victim.counts(); ok[second] != 0 || ok[first] > 1 || seen > 1 {
				t.Fatalf("the tampered tenant's endpoint got %v in %d requests", ok, seen)
			}
			if ok, _, _ := other.counts(); ok[zeta] != 1 {
				t.Fatalf("the other tenant's event was held up: %v", ok)
			}
		})
	}
}
