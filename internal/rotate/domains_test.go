package rotate_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/buyers"
	"github.com/cardvault/cardvault/internal/vault/customers"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// The dialects' own objects (lookup keys, parents, layers sealed to a
// user) read back through their domains after a rotation and the
// retirement of the old version, and their lookups by key still work.
func TestRotateDataKeepsDomainObjects(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		ctx := t.Context()
		f := newFixture(t, open)
		node := f.service(t, f.old)
		if err := node.Init(ctx); err != nil {
			t.Fatal(err)
		}
		cs, bs := customers.New(node), buyers.New(node)
		ps := pcivault.New(node, pcivault.Options{KDF: seal.TestKDFParams})
		cus, err := cs.CreateCustomer(ctx, "shop-b", customers.CustomerInput{Profile: "pro_1", Reference: "ada@example.com",
			Personal: json.RawMessage(`{"name":"Ada"}`)})
		if err != nil {
			t.Fatal(err)
		}
		pan, _ := card.ParsePAN("5555555555554444")
		exp, _ := card.NewExpiry(3, 2034)
		pm, _, err := cs.CreatePaymentMethod(ctx, "shop-b", customers.PaymentMethodInput{Profile: "pro_1", CustomerID: cus.ID,
			Card: vault.CardInput{PAN: pan, Expiry: exp}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := bs.Create(ctx, "shop-b", buyers.Buyer{Reference: "user-42"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := ps.CreateUserKey(ctx, "shop-b", "alice", "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
		ref, err := ps.StoreEntry(ctx, "shop-b", pcivault.StoreInput{User: "alice", Passphrase: "correct horse battery staple",
			Reference: "r1", Data: []byte(`{"card_number":"4111111111111111"}`)})
		if err != nil {
			t.Fatal(err)
		}

		if _, err := (&rotate.Data{Service: node, Tenant: "shop-b", Holder: "test", Batch: 2}).Run(ctx); err != nil {
			t.Fatal(err)
		}
		if out, err := (&rotate.Retire{Service: node, Tenant: "shop-b", Version: 1, Holder: "test"}).Run(ctx); err != nil || !out[0].Retired {
			t.Fatalf("retire v1 after the rotation: %+v, %v", out, err)
		}
		fresh := f.service(t, f.old)
		if err := fresh.Init(ctx); err != nil {
			t.Fatal(err)
		}
		fcs, fbs := customers.New(fresh), buyers.New(fresh)
		fps := pcivault.New(fresh, pcivault.Options{KDF: seal.TestKDFParams})
		if got, err := fcs.GetCustomer(ctx, "shop-b", "pro_1", cus.ID); err != nil || string(got.Personal) != `{"name":"Ada"}` {
			t.Fatalf("customer after rotation: %+v, %v", got, err)
		}
		if _, err := fcs.CreateCustomer(ctx, "shop-b", customers.CustomerInput{Profile: "pro_1", Reference: "ada@example.com"}); vault.CodeOf(err) != vault.CodeConflict {
			t.Fatalf("the customer's reference lookup after rotation: %v, want a conflict", err)
		}
		if got, err := fcs.GetPaymentMethod(ctx, "shop-b", "pro_1", pm.ID); err != nil || got.Card.Last4 != "4444" {
			t.Fatalf("payment method after rotation: %+v, %v", got, err)
		}
		if got, err := fbs.ByReference(ctx, "shop-b", "user-42"); err != nil || got.ID != b.ID {
			t.Fatalf("buyer by reference after rotation: %+v, %v", got, err)
		}
		if _, data, err := fps.RevealEntry(ctx, "shop-b", "alice", "correct horse battery staple", ref.Token, "r1"); err != nil ||
			!strings.Contains(string(data), "4111111111111111") {
			t.Fatalf("PCI Vault entry after rotation: %v", err)
		}
	})
}
