package vault_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// tenantReads counts the tenant reads that reach the store; while gate is
// open (not nil and not closed) every read waits for it.
type tenantReads struct {
	vault.Store
	reads atomic.Int64
	gate  chan struct{}
}

func (s *tenantReads) GetTenant(ctx context.Context, id string) (vault.Tenant, error) {
	s.reads.Add(1)
	if s.gate != nil {
		<-s.gate
	}
	return s.Store.GetTenant(ctx, id)
}

// tenantNodes starts a core and n more nodes over its store, all on the
// core's stopped clock, counting their tenant reads; it returns a key of a
// new tenant "shop" made on the first node.
func tenantNodes(t *testing.T, n int) (*vaulttest.Core, *tenantReads, []*vault.Service, string) {
	t.Helper()
	c := vaulttest.NewCore(t, vault.Options{})
	counted := &tenantReads{Store: c.Store}
	nodes := make([]*vault.Service, n)
	for i := range nodes {
		nodes[i] = vault.New(counted, c.Vault.Keyring(), vault.Options{Now: c.Clock.Now})
	}
	ctx := context.Background()
	if _, err := nodes[0].CreateTenant(ctx, "shop", "Shop"); err != nil {
		t.Fatal(err)
	}
	_, secret, err := nodes[0].CreateAPIKey(ctx, vault.NewAPIKey{Tenant: "shop", Scopes: []vault.Scope{vault.ScopeCardsRead}})
	if err != nil {
		t.Fatal(err)
	}
	return c, counted, nodes, secret
}

// keyWorks asserts that node authenticates secret.
func keyWorks(t *testing.T, node *vault.Service, what, secret string) {
	t.Helper()
	if _, err := node.Authenticate(context.Background(), secret); err != nil {
		t.Fatalf("%s: Authenticate: %v", what, err)
	}
}

// A node reads a tenant's state once per TTL, not once per request; a
// tenant disabled through the node is refused there at once, inside a
// transaction too (from its commit), whatever the cache held.
func TestTenantDisabledThroughANodeIsRefusedThereAtOnce(t *testing.T) {
	for _, inTx := range []bool{false, true} {
		name := map[bool]string{false: "direct", true: "in a transaction"}[inTx]
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, counted, nodes, secret := tenantNodes(t, 1)
			node := nodes[0]
			before := counted.reads.Load()
			for range 5 {
				keyWorks(t, node, "enabled", secret)
			}
			if n := counted.reads.Load() - before; n != 1 {
				t.Fatalf("5 requests read the tenant %d times, want 1 (cached)", n)
			}
			var err error
			if inTx {
				err = node.Tx(ctx, func(tx *vault.Service) error { return tx.DisableTenant(ctx, "shop") })
			} else {
				err = node.DisableTenant(ctx, "shop")
			}
			if err != nil {
				t.Fatal(err)
			}
			keyRefused(t, node, "just disabled, clock not moved", secret)
			if off, err := node.TenantDisabled(ctx, "shop"); err != nil || !off {
				t.Errorf("TenantDisabled right after DisableTenant = %v, %v", off, err)
			}
		})
	}
}

// A tenant disabled through one node stops working on another node over
// the same store once that node's cached state is TTL old.
func TestTenantDisabledOnAnotherNodeIsSeenWithinTheTTL(t *testing.T) {
	ctx := context.Background()
	c, counted, nodes, secret := tenantNodes(t, 2)
	a, b := nodes[0], nodes[1]
	keyWorks(t, b, "enabled, on b", secret)
	if err := a.DisableTenant(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	keyRefused(t, a, "on the node that disabled it", secret)
	before := counted.reads.Load()
	c.Clock.Advance(vault.DefaultTenantCacheTTL)
	keyRefused(t, b, "on another node, one TTL later", secret)
	if counted.reads.Load() == before {
		t.Error("the other node did not read the tenant again after its TTL")
	}
}

// Only answers from rows whose tag verified are kept: a tampered row is
// refused (and reported) on every check, never cached as enabled, and a
// disabled tenant cached as disabled stays refused when its row is
// re-enabled behind the vault's back.
func TestTenantCacheKeepsOnlyVerifiedRows(t *testing.T) {
	eachTamperedStore(t, func(t *testing.T, g *guarded) {
		ctx := context.Background()
		acme := g.tenantKey(t, "acme") // its state is now cached as enabled
		g.db.Exec(t, `UPDATE tenants SET name = 'Renamed' WHERE id = 'acme'`)
		g.later()
		for i := range 3 {
			keyRefused(t, g.svc, "name edited", acme)
			if n := g.count("tenant.integrity_failed", "acme"); n != i+1 {
				t.Fatalf("check %d of a tampered row: %d integrity failures reported, want %d (each check reads it)", i+1, n, i+1)
			}
		}

		off := g.tenantKey(t, "off")
		if err := g.svc.DisableTenant(ctx, "off"); err != nil {
			t.Fatal(err)
		}
		keyRefused(t, g.svc, "disabled", off) // cached as disabled
		g.db.Exec(t, `UPDATE tenants SET disabled_at = NULL WHERE id = 'off'`)
		keyRefused(t, g.svc, "re-enabled in the database, state cached", off)
		g.later()
		keyRefused(t, g.svc, "re-enabled in the database, cache expired", off)
		g.raised(t, "tenant.integrity_failed", "off")
	})
}

// Concurrent checks of one tenant that find nothing cached make one store
// read between them.
func TestConcurrentTenantChecksShareOneRead(t *testing.T) {
	ctx := context.Background()
	_, counted, nodes, _ := tenantNodes(t, 1)
	node := nodes[0]
	const callers = 16
	var missed sync.WaitGroup
	missed.Add(callers)
	vault.OnTenantCacheMiss(node, missed.Done)
	counted.gate = make(chan struct{})
	before := counted.reads.Load()
	var done sync.WaitGroup
	for range callers {
		done.Go(func() {
			if off, err := node.TenantDisabled(ctx, "shop"); err != nil || off {
				t.Errorf("TenantDisabled = %v, %v", off, err)
			}
		})
	}
	missed.Wait() // every caller found nothing cached
	close(counted.gate)
	done.Wait()
	if n := counted.reads.Load() - before; n != 1 {
		t.Errorf("%d concurrent checks read the tenant %d times, want 1", callers, n)
	}
}

// count returns how many failures of id the vault reported as action.
func (g *guarded) count(action, id string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, a := range g.alarms {
		if a.Action == action && a.ID == id {
			n++
		}
	}
	return n
}
