package transfer_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/transfer"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/buyers"
	"github.com/cardvault/cardvault/internal/vault/cardtokens"
)

// Gr4vy's objects travel too: buyers (found again by external identifier
// under the importing tenant's keys), which card is whose, shipping
// addresses and the providers' tokens of cards, all under their ids.
func TestExportImportBuyersAndCardTokens(t *testing.T) {
	ctx := t.Context()
	src := newVault(t, "shop")
	bs, ts := buyers.New(src), cardtokens.New(src)
	b, err := bs.Create(ctx, "shop", buyers.Buyer{Reference: "user-42", Details: json.RawMessage(`{"display_name":"Ada"}`)})
	if err != nil {
		t.Fatal(err)
	}
	pan, _ := card.ParsePAN(pans[2])
	exp, _ := card.NewExpiry(1, 2035)
	c, err := bs.CreateCard(ctx, "shop", b.ID, vault.CardInput{PAN: pan, Expiry: exp})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := bs.AddAddress(ctx, "shop", b.ID, json.RawMessage(`{"city":"London"}`))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := ts.Add(ctx, "shop", cardtokens.Token{CardID: c.ID, Service: "stripe-main", Value: "pm_1Abc", Status: "succeeded"})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := age.GenerateX25519Identity()
	var file bytes.Buffer
	n, err := transfer.Export(ctx, &file, id.Recipient(), "shop", src, time.Now(), nil, bs, ts)
	if err != nil || n != (transfer.Counts{Cards: 1, Objects: 4}) {
		t.Fatalf("export = %+v, %v", n, err)
	}
	dst := newVault(t, "shop")
	dbs, dts := buyers.New(dst), cardtokens.New(dst)
	for i, want := range []transfer.Summary{{Imported: 5}, {Duplicates: 5}} {
		var rejects bytes.Buffer
		sum, err := transfer.Import(ctx, bytes.NewReader(file.Bytes()), id, "shop", dst, &rejects, nil, dbs, dts)
		if err != nil || sum != want {
			t.Fatalf("import %d = %+v, %v, want %+v; rejects %s", i, sum, err, want, rejects.String())
		}
	}
	got, err := dbs.ByReference(ctx, "shop", "user-42")
	if err != nil || got.ID != b.ID || string(got.Details) != string(b.Details) {
		t.Fatalf("buyer by external identifier after import: %+v, %v", got, err)
	}
	if owner, err := dbs.Owner(ctx, "shop", c.ID); err != nil || owner != b.ID {
		t.Fatalf("owner of the card after import: %q, %v", owner, err)
	}
	if a, err := dbs.Address(ctx, "shop", b.ID, addr.ID); err != nil || string(a.Details) != `{"city":"London"}` {
		t.Fatalf("address after import: %+v, %v", a, err)
	}
	toks, err := dts.List(ctx, "shop", c.ID, "")
	if err != nil || len(toks) != 1 || toks[0].ID != tok.ID || toks[0].Value != "pm_1Abc" {
		t.Fatalf("card tokens after import: %+v, %v", toks, err)
	}
}
