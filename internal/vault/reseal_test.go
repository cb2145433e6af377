package vault_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// TestSealedKindsListsEveryKind keeps SealedKinds equal to the kinds
// declared in kinds.go, so that a new kind is re-sealed by a rotation and
// counted before a version is retired.
func TestSealedKindsListsEveryKind(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "kinds.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, _ := strconv.Unquote(lit.Value)
			declared = append(declared, s)
		}
		return true
	})
	got := slices.Sorted(slices.Values(vault.SealedKinds()))
	slices.Sort(declared)
	if !slices.Equal(got, declared) || len(got) < 15 {
		t.Fatalf("SealedKinds() = %v, kinds.go declares %v", got, declared)
	}
}

// forms is a record type of a real kind, with a key, a parent and an
// expiry, all bound into its ciphertext.
var forms = vault.NewRecordType(vault.KindForm, 3, func(n *note) string { return n.Name }, func(n *note) string { return n.Group })

func TestResealRecordsThenRetire(t *testing.T) {
	c := vaulttest.NewCore(t, vault.Options{})
	ctx, svc := context.Background(), c.Vault
	card, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "4111111111111111"), Holder: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, name := range []string{"a", "b", "c"} {
		r, err := forms.Put(ctx, svc, vault.Stored[note]{Tenant: vault.DefaultTenant, ID: "f_" + name,
			Value: note{Name: name, Group: "g", Secret: "secret " + name}, ExpiresAt: svc.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	uses, err := svc.DataKeyUses(ctx, vault.DefaultTenant, nil)
	if err != nil || uses.Describe(1) != "card=1 form=3" {
		t.Fatalf("uses before rotation: %q, %v", uses.Describe(1), err)
	}
	if _, err := svc.AddDataKey(ctx, vault.DefaultTenant); err != nil {
		t.Fatal(err)
	}
	if err := svc.RetireDataKey(ctx, vault.DefaultTenant, 1, 0, nil); !errors.Is(err, vault.ErrKeyInUse) {
		t.Fatalf("retire a version records still use: %v, want ErrKeyInUse", err)
	}
	// Re-seal in batches of two; a record updated in between keeps working.
	if _, _, _, err := svc.ResealCards(ctx, vault.DefaultTenant, "", 10); err != nil {
		t.Fatal(err)
	}
	before, _ := forms.Get(ctx, svc, vault.DefaultTenant, "f_a")
	next, resealed, _, err := svc.ResealRecords(ctx, vault.DefaultTenant, vault.KindForm, "", 2)
	if err != nil || next != "f_b" || resealed != 2 {
		t.Fatalf("first batch: next %q, %d re-sealed, %v", next, resealed, err)
	}
	before.Value.Secret = "changed after the reseal"
	if _, err := forms.Update(ctx, svc, before); err != nil {
		t.Fatalf("update of a record read before its reseal: %v", err)
	}
	if next, resealed, _, err = svc.ResealRecords(ctx, vault.DefaultTenant, vault.KindForm, next, 2); err != nil || next != "" || resealed != 1 {
		t.Fatalf("second batch: next %q, %d re-sealed, %v", next, resealed, err)
	}
	if _, _, _, err := svc.ResealRecords(ctx, vault.DefaultTenant, "audit", "", 2); err == nil {
		t.Fatal("ResealRecords took a kind that is not sealed")
	}
	uses, err = svc.DataKeyUses(ctx, vault.DefaultTenant, nil)
	if err != nil || uses.Describe(1) != "nothing" || uses.Describe(2) != "card=1 form=3" {
		t.Fatalf("uses after rotation: v1 %q, v2 %q, %v", uses.Describe(1), uses.Describe(2), err)
	}
	if err := svc.RetireDataKey(ctx, vault.DefaultTenant, 2, 0, nil); err == nil {
		t.Fatal("retired the newest version")
	}
	if err := svc.RetireDataKey(ctx, vault.DefaultTenant, 1, time.Hour, nil); err == nil {
		t.Fatal("retired while the newest version is younger than the settle time")
	}
	c.Clock.Advance(2 * time.Minute)
	if err := svc.RetireDataKey(ctx, vault.DefaultTenant, 1, time.Minute, nil); err != nil {
		t.Fatalf("retire an unused version: %v", err)
	}
	if err := svc.RetireDataKey(ctx, vault.DefaultTenant, 1, time.Minute, nil); err == nil {
		t.Fatal("retired twice")
	}
	keys, _ := c.Store.ListKeys(ctx, vault.DefaultTenant, vault.PurposeData)
	if len(keys) != 1 || keys[0].Version != 2 {
		t.Fatalf("data keys after retirement: %+v", keys)
	}
	// Everything reads back, on this node and on a fresh one.
	fresh := vault.New(c.Store, svc.Keyring(), vault.Options{Now: c.Clock.Now})
	for _, node := range []*vault.Service{svc, fresh} {
		if _, err := node.RevealCard(ctx, vault.DefaultTenant, card.ID); err != nil {
			t.Fatalf("reveal after retirement: %v", err)
		}
		for _, id := range ids {
			r, err := forms.Get(ctx, node, vault.DefaultTenant, id)
			if err != nil || r.Value.Secret == "" {
				t.Fatalf("record %s after retirement: %+v %v", id, r, err)
			}
		}
	}
}
