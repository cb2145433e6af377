package rotate_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// cardLists counts the card pages read from the store.
type cardLists struct {
	vault.Store
	pages atomic.Int64
}

func (c *cardLists) ListCards(ctx context.Context, tenant string, p vault.Page, now time.Time) ([]vault.Card, error) {
	c.pages.Add(1)
	return c.Store.ListCards(ctx, tenant, p, now)
}

// Keeping a version in use counts its uses once: the refusal says what
// uses it, and nothing reads every card a second time to say it again.
func TestRetireCountsAKeptVersionsUsesOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newFixture(t, open)
		counted := &cardLists{Store: f.store}
		kr, err := seal.NewKeyringOf(f.old)
		if err != nil {
			t.Fatal(err)
		}
		node := vault.New(counted, kr, vault.Options{})
		if err := node.Init(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := node.AddDataKey(t.Context(), "shop-b"); err != nil {
			t.Fatal(err)
		}
		counted.pages.Store(0)
		out, err := (&rotate.Retire{Service: node, Tenant: "shop-b", Holder: "test"}).Run(t.Context())
		if err != nil || len(out) != 1 || out[0].Retired || out[0].Uses != "card=1" {
			t.Fatalf("retire = %+v, %v; want v1 kept, used by card=1", out, err)
		}
		if n := counted.pages.Load(); n != 1 {
			t.Fatalf("retirement read the tenant's cards %d times, want once", n)
		}
	})
}

// A refused retirement of one version reports no result for it: only
// versions retired or kept with their uses are results.
func TestRetireOfOneRefusedVersionReportsNoResult(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newFixture(t, open)
		node := f.service(t, f.old)
		if err := node.Init(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := node.AddDataKey(t.Context(), "shop-b"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			version uint32
			settle  time.Duration
			want    error
		}{
			{"the newest version", 2, 0, nil},
			{"a version in use", 1, 0, vault.ErrKeyInUse},
			{"the newest version too young", 1, time.Hour, nil},
		} {
			out, err := (&rotate.Retire{Service: node, Tenant: "shop-b", Version: tc.version, Settle: tc.settle, Holder: "test"}).Run(t.Context())
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("%s: err = %v, want a refusal", tc.name, err)
			}
			if len(out) != 0 {
				t.Errorf("%s: results %+v, want none", tc.name, out)
			}
		}
	})
}
