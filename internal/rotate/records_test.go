package rotate_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/vault"
)

// item is a record value stored under every sealed kind in these tests.
type item struct {
	Secret string `json:"secret"`
	Group  string `json:"group"`
}

// putEveryKind stores n records of every sealed kind for shop-b, each with
// a parent, and returns their types and ids.
func putEveryKind(t *testing.T, svc *vault.Service, n int) map[*vault.RecordType[item]][]string {
	t.Helper()
	out := map[*vault.RecordType[item]][]string{}
	for _, kind := range vault.SealedKinds() {
		rt := vault.NewRecordType(kind, 1, nil, func(i *item) string { return i.Group })
		for i := range n {
			r, err := rt.Put(t.Context(), svc, vault.Stored[item]{Tenant: "shop-b", ID: fmt.Sprintf("%s_%02d", kind, i),
				Value: item{Secret: "secret " + kind, Group: "g"}})
			if err != nil {
				t.Fatal(err)
			}
			out[rt] = append(out[rt], r.ID)
		}
	}
	return out
}

func TestRotateDataReSealsEveryKindThenRetires(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newFixture(t, open)
		node := f.service(t, f.old)
		if err := node.Init(t.Context()); err != nil {
			t.Fatal(err)
		}
		cards := append(addCards(t, node, 5), f.cardID)
		records := putEveryKind(t, node, 3)
		retire := &rotate.Retire{Service: node, Tenant: "shop-b", Version: 1, Holder: "test"}
		if _, err := retire.Run(t.Context()); err == nil {
			t.Fatal("retired the only (newest) version")
		}

		ctx, cancel := context.WithCancel(t.Context())
		d := &rotate.Data{Service: node, Tenant: "shop-b", Holder: "test", Batch: 4,
			Progress: func(_ string, done, _ int) {
				if done >= 10 {
					cancel() // interrupted inside the records
				}
			}}
		if _, err := d.Run(ctx); err == nil {
			t.Fatal("interrupted rotation reported success")
		}
		// Retirement refuses to run over an interrupted rotation, and leaves it resumable.
		if _, err := (&rotate.Retire{Service: node, Holder: "test"}).Run(t.Context()); !errors.Is(err, rotate.ErrRotationUnfinished) {
			t.Fatalf("retire during an interrupted rotation: %v, want ErrRotationUnfinished", err)
		}
		d.Progress = nil
		res, err := d.Run(t.Context())
		if err != nil || len(res) != 1 || !res[0].Resumed || res[0].Version != 2 {
			t.Fatalf("resumed rotation = %+v, %v; want shop-b resumed at v2", res, err)
		}
		if res[0].Resealed >= 6+3*len(vault.SealedKinds()) {
			t.Fatalf("resumed run re-sealed %d items: it started over instead of continuing", res[0].Resealed)
		}
		uses, err := node.DataKeyUses(t.Context(), "shop-b", nil)
		if err != nil {
			t.Fatal(err)
		}
		if uses.Total(1) != 0 || uses[2][vault.UseCard] != 6 || uses.Total(2) != 6+3*len(vault.SealedKinds()) {
			t.Fatalf("after rotation: v1 %s; v2 %s", uses.Describe(1), uses.Describe(2))
		}
		out, err := (&rotate.Retire{Service: node, Tenant: "shop-b", Holder: "test"}).Run(t.Context())
		if err != nil || len(out) != 1 || !out[0].Retired || out[0].Version != 1 {
			t.Fatalf("retire = %+v, %v; want v1 retired", out, err)
		}
		keys, _ := f.store.ListKeys(t.Context(), "shop-b", vault.PurposeData)
		if len(keys) != 1 || keys[0].Version != 2 {
			t.Fatalf("keys after retirement: %+v", keys)
		}
		// A fresh node, which never saw v1, reads every card and record; ids,
		// parents and the records' optimistic-lock versions are unchanged.
		fresh := f.service(t, f.old)
		if err := fresh.Init(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, id := range cards {
			if _, err := fresh.RevealCard(t.Context(), "shop-b", id); err != nil {
				t.Fatalf("reveal %s: %v", id, err)
			}
		}
		for rt, ids := range records {
			for _, id := range ids {
				r, err := rt.Get(t.Context(), fresh, "shop-b", id)
				if err != nil || r.Value.Secret != "secret "+rt.Kind() || r.Version != 1 {
					t.Fatalf("%s %s after rotation and retirement: %+v, %v", rt.Kind(), id, r, err)
				}
			}
		}
	})
}

func TestRetireRefusesAVersionInUse(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newFixture(t, open)
		node := f.service(t, f.old)
		if err := node.Init(t.Context()); err != nil {
			t.Fatal(err)
		}
		putEveryKind(t, node, 1)
		if _, err := node.AddDataKey(t.Context(), "shop-b"); err != nil {
			t.Fatal(err)
		}
		_, err := (&rotate.Retire{Service: node, Tenant: "shop-b", Version: 1, Holder: "test"}).Run(t.Context())
		if !errors.Is(err, vault.ErrKeyInUse) {
			t.Fatalf("retire v1 while cards and records use it: %v, want ErrKeyInUse", err)
		}
		out, err := (&rotate.Retire{Service: node, Holder: "test"}).Run(t.Context())
		if err != nil || len(out) != 1 || out[0].Retired || out[0].Uses == "" {
			t.Fatalf("retire every unused version = %+v, %v; want shop-b v1 kept with its uses", out, err)
		}
		keys, _ := f.store.ListKeys(t.Context(), "shop-b", vault.PurposeData)
		if len(keys) != 2 {
			t.Fatalf("a refused retirement removed a key: %d left", len(keys))
		}
		if _, err := node.RevealCard(t.Context(), "shop-b", f.cardID); err != nil {
			t.Fatal(err)
		}
	})
}
