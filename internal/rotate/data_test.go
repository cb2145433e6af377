package rotate_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// addCards stores n more cards for shop-b and returns their ids.
func addCards(t *testing.T, svc *vault.Service, n int) []string {
	t.Helper()
	var ids []string
	exp, _ := card.NewExpiry(12, 2040)
	for i := range n {
		pan, err := card.ParsePAN(vaulttest.WithLuhn(fmt.Sprintf("400000000%06d", i)))
		if err != nil {
			t.Fatal(err)
		}
		c, err := svc.CreateCard(t.Context(), "shop-b", vault.CardInput{PAN: pan, Expiry: exp, Holder: "H", Extra: map[string]string{"n": fmt.Sprint(i)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

// versions returns the data key version of each card's sealed number, and
// the card's fingerprint.
func versions(t *testing.T, st vault.Store) map[string][2]string {
	t.Helper()
	cards, err := st.ListCards(t.Context(), "shop-b", vault.Page{Limit: 1000}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]string{}
	for _, c := range cards {
		v, _ := vault.DataKeyVersion(c.SealedPAN)
		h, _ := vault.DataKeyVersion(c.SealedHolder)
		if v != h {
			t.Fatalf("card %s: number under v%d, holder under v%d", c.ID, v, h)
		}
		out[c.ID] = [2]string{fmt.Sprint(v), c.Fingerprint}
	}
	return out
}

func TestRotateData(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newFixture(t, open)
		nodeA := f.service(t, f.old)
		nodeB := f.service(t, f.old) // another node, its keys cached before the rotation
		for _, n := range []*vault.Service{nodeA, nodeB} {
			if err := n.Init(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		ids := append(addCards(t, nodeA, 9), f.cardID)
		if _, err := nodeB.RevealCard(t.Context(), "shop-b", ids[0]); err != nil {
			t.Fatal(err)
		}
		before := versions(t, f.store)

		ctx, cancel := context.WithCancel(t.Context())
		d := &rotate.Data{Service: nodeA, Tenant: "shop-b", Holder: "test", Batch: 3,
			Progress: func(_ string, done, total int) {
				if done >= 3 {
					cancel() // interrupted after the first batch
				}
			}}
		if _, err := d.Run(ctx); err == nil {
			t.Fatal("interrupted rotation reported success")
		}
		d.Progress = nil
		res, err := d.Run(t.Context())
		if err != nil {
			t.Fatalf("resumed rotation: %v", err)
		}
		if len(res) != 1 || !res[0].Resumed || res[0].Version != 2 {
			t.Fatalf("resumed rotation = %+v, want shop-b resumed at version 2", res)
		}
		keys, _ := f.store.ListKeys(t.Context(), "shop-b", vault.PurposeData)
		if len(keys) != 2 {
			t.Fatalf("%d data key versions after an interrupted and resumed rotation, want 2 (old kept, one new)", len(keys))
		}
		after := versions(t, f.store)
		for id, b := range before {
			if b[0] != "1" || after[id][0] != "2" || after[id][1] != b[1] {
				t.Fatalf("card %s: before %v, after %v; want v1 → v2 with the same fingerprint", id, b, after[id])
			}
		}
		// Every card reads back on both nodes, node B learning version 2 on the way.
		for _, id := range ids {
			for name, node := range map[string]*vault.Service{"A": nodeA, "B": nodeB} {
				if _, err := node.RevealCard(t.Context(), "shop-b", id); err != nil {
					t.Fatalf("node %s reveal %s after rotation: %v", name, id, err)
				}
			}
		}
		// New writes use the new version.
		fresh := addCards(t, nodeA, 1)[0]
		if v := versions(t, f.store)[fresh][0]; v != "2" {
			t.Fatalf("card written after the rotation sealed under v%s", v)
		}
		// A new rotation starts afresh: version 3.
		res, err = (&rotate.Data{Service: nodeA, Tenant: "shop-b", Holder: "test"}).Run(t.Context())
		if err != nil || res[0].Version != 3 || res[0].Resumed || res[0].Resealed != len(ids)+1 {
			t.Fatalf("next rotation = %+v, %v", res, err)
		}
	})
}
