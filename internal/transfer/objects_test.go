package transfer_test

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/transfer"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/customers"
)

// Customers and payment methods travel with their cards: after export and
// import into another vault every id, reference and card is the same, and
// the importing tenant's own keyed hashes work (a known reference
// conflicts, the same card for the same customer is found).
func TestExportImportCustomersAndPaymentMethods(t *testing.T) {
	ctx := t.Context()
	src := newVault(t, "shop")
	cs := customers.New(src)
	ada, err := cs.CreateCustomer(ctx, "shop", customers.CustomerInput{Profile: "pro_1", Reference: "ada@example.com",
		Personal: json.RawMessage(`{"name":"Ada"}`), Public: json.RawMessage(`{"description":"vip"}`)})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := cs.CreateCustomer(ctx, "shop", customers.CustomerInput{Profile: "pro_2"})
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := card.NewExpiry(7, 2033)
	var pms []customers.PaymentMethod
	for i, c := range []struct {
		cus     customers.Customer
		pan     string
		profile string
	}{{ada, pans[0], "pro_1"}, {ada, pans[1], "pro_1"}, {bob, pans[0], "pro_2"}} {
		pan, _ := card.ParsePAN(c.pan)
		pm, _, err := cs.CreatePaymentMethod(ctx, "shop", customers.PaymentMethodInput{Profile: c.profile, CustomerID: c.cus.ID,
			Card: vault.CardInput{PAN: pan, Expiry: exp, Holder: "Holder"}, Personal: json.RawMessage(`{"nick":"card ` + string(rune('a'+i)) + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		pms = append(pms, pm)
	}
	if _, err := cs.UpdatePaymentMethod(ctx, "shop", "pro_1", pms[0].ID, customers.PaymentMethodUpdate{Change: func(pm *customers.PaymentMethod) error {
		pm.ConnectorTokens = []customers.ConnectorToken{{ConnectorID: "stripe", Token: "pm_123", CreatedAt: time.Now().UTC()}}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}

	id, _ := age.GenerateX25519Identity()
	var file bytes.Buffer
	n, err := transfer.Export(ctx, &file, id.Recipient(), "shop", src, time.Now(), nil, cs)
	if err != nil || n != (transfer.Counts{Cards: 3, Objects: 5}) {
		t.Fatalf("export = %+v, %v", n, err)
	}
	dst := newVault(t, "shop")
	dcs := customers.New(dst)
	for i, want := range []transfer.Summary{{Imported: 8}, {Duplicates: 8}} {
		var rejects bytes.Buffer
		sum, err := transfer.Import(ctx, bytes.NewReader(file.Bytes()), id, "shop", dst, &rejects, nil, dcs)
		if err != nil || sum != want {
			t.Fatalf("import %d = %+v, %v, want %+v; rejects %s", i, sum, err, want, rejects.String())
		}
	}
	for _, c := range []customers.Customer{ada, bob} {
		got, err := dcs.GetCustomer(ctx, "shop", c.Profile, c.ID)
		if err != nil || got.Reference != c.Reference || string(got.Personal) != string(c.Personal) || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Fatalf("customer %s after import: %+v, %v", c.ID, got, err)
		}
	}
	for _, pm := range pms {
		got, err := dcs.GetPaymentMethod(ctx, "shop", pm.Profile, pm.ID)
		if err != nil || got.Card.ID != pm.Card.ID || got.Card.Last4 != pm.Card.Last4 || string(got.Personal) != string(pm.Personal) {
			t.Fatalf("payment method %s after import: %+v, %v", pm.ID, got, err)
		}
		rc, err := dst.RevealCard(ctx, "shop", got.Card.ID)
		if err != nil || rc.Expiry != exp {
			t.Fatalf("card of %s: %v", pm.ID, err)
		}
	}
	got, _ := dcs.GetPaymentMethod(ctx, "shop", "pro_1", pms[0].ID)
	if len(got.ConnectorTokens) != 1 || got.ConnectorTokens[0].Token != "pm_123" {
		t.Fatalf("connector tokens after import: %+v", got.ConnectorTokens)
	}
	// The importing tenant's keyed hashes: Ada's reference is taken, and
	// her first card is recognised as already saved.
	if _, err := dcs.CreateCustomer(ctx, "shop", customers.CustomerInput{Profile: "pro_1", Reference: "ada@example.com"}); vault.CodeOf(err) != vault.CodeConflict {
		t.Fatalf("a second customer with an imported reference: %v, want a conflict", err)
	}
	pan, _ := card.ParsePAN(pans[0])
	again, existed, err := dcs.CreatePaymentMethod(ctx, "shop", customers.PaymentMethodInput{Profile: "pro_1", CustomerID: ada.ID,
		Card: vault.CardInput{PAN: pan, Expiry: exp}})
	if err != nil || !existed || again.ID != pms[0].ID {
		t.Fatalf("saving an imported card again: %s existed=%v, %v; want %s", again.ID, existed, err, pms[0].ID)
	}
	// A payment method whose card is not in the file is rejected, by line,
	// and nothing else is.
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(decrypt(t, file.Bytes(), id)), "\n") {
		switch {
		case strings.Contains(l, `"type":"card"`) && strings.Contains(l, pms[1].Card.ID):
			continue
		case strings.Contains(l, `"type":"end"`):
			l = `{"type":"end","count":2,"objects":5}`
		}
		lines = append(lines, l)
	}
	third := newVault(t, "shop")
	var rejects bytes.Buffer
	sum, err := transfer.Import(ctx, bytes.NewReader(encrypt(t, id.Recipient(), lines...)), id, "shop", third, &rejects, nil, customers.New(third))
	if err != nil || sum != (transfer.Summary{Imported: 6, Rejected: 1}) || !strings.Contains(rejects.String(), pms[1].ID) ||
		!strings.Contains(rejects.String(), "card is not in the import") {
		t.Fatalf("import without one card = %+v, %v; rejects %s", sum, err, rejects.String())
	}
}

// decrypt opens an export to its JSON Lines.
func decrypt(t *testing.T, file []byte, id age.Identity) string {
	t.Helper()
	r, err := age.Decrypt(bytes.NewReader(file), id)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := io.Copy(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
