package storetest

import (
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// cardWithRecord reads through the store's own CardWithRecord, failing the
// test when the store does not have one (every store of this repository,
// and every wrapper, forwards it).
func cardWithRecord(tb testing.TB, s vault.Store, tenant, id, kind string, now time.Time) (vault.Card, vault.Record, bool, error) {
	tb.Helper()
	rd, ok := s.(vault.CardRecordReader)
	if !ok {
		tb.Fatalf("%T is not a vault.CardRecordReader", s)
	}
	return rd.CardWithRecord(tb.Context(), tenant, id, kind, now)
}

// testCardWithRecord: a card and the record of a kind with the card's id
// come back together, as GetCard and GetRecord answer them; a card without
// such a record (none, another kind, expired, another tenant's) comes back
// alone; a card that is missing, expired or another tenant's is not found,
// whatever records exist.
func testCardWithRecord(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	card := newCard("a", "card_1", now)
	check(t, s.CreateCard(ctx, card), "CreateCard")
	hold := newRecord("a", "hold", card.ID, "", card.ID, now)
	hold.Key, hold.ExpiresAt = "hold-key", now.Add(time.Hour)
	check(t, s.CreateRecord(ctx, hold), "CreateRecord hold")

	c, r, found, err := cardWithRecord(t, s, "a", card.ID, "hold", now)
	check(t, err, "CardWithRecord")
	if !found {
		t.Fatal("CardWithRecord: the held record was not found")
	}
	wantCard, err := s.GetCard(ctx, "a", card.ID, now)
	check(t, err, "GetCard")
	wantRecord, err := s.GetRecord(ctx, "hold", card.ID, now)
	check(t, err, "GetRecord")
	same(t, c, wantCard)
	same(t, r, wantRecord)
	same(t, r, hold)

	// The card alone: no record of that kind, one that has expired.
	_, r, found, err = cardWithRecord(t, s, "a", card.ID, "other", now)
	check(t, err, "CardWithRecord of a kind with no record")
	if found || r.ID != "" {
		t.Errorf("CardWithRecord of a kind with no record: found %v, %+v", found, r)
	}
	c, _, found, err = cardWithRecord(t, s, "a", card.ID, "hold", hold.ExpiresAt)
	check(t, err, "CardWithRecord once the record has expired")
	if found {
		t.Error("CardWithRecord returned an expired record")
	}
	same(t, c, card)

	// Another tenant's record with the card's id is not the card's.
	other := newCard("a", "card_2", now)
	check(t, s.CreateCard(ctx, other), "CreateCard 2")
	check(t, s.CreateRecord(ctx, newRecord("b", "hold", other.ID, "", "", now)), "CreateRecord of b")
	c, _, found, err = cardWithRecord(t, s, "a", other.ID, "hold", now)
	check(t, err, "CardWithRecord, record of another tenant")
	if found {
		t.Error("CardWithRecord returned another tenant's record")
	}
	same(t, c, other)

	// No card, no answer: missing, another tenant's, expired.
	check(t, s.CreateRecord(ctx, newRecord("a", "hold", "card_gone", "", "", now)), "CreateRecord without card")
	for _, q := range []struct{ tenant, id string }{{"a", "card_gone"}, {"b", card.ID}} {
		_, _, _, err = cardWithRecord(t, s, q.tenant, q.id, "hold", now)
		wantErr(t, err, vault.ErrNotFound, "CardWithRecord "+q.tenant+"/"+q.id)
	}
	expiring := newCard("a", "card_3", now)
	expiring.ExpiresAt = now.Add(time.Minute)
	check(t, s.CreateCard(ctx, expiring), "CreateCard expiring")
	check(t, s.CreateRecord(ctx, newRecord("a", "hold", expiring.ID, "", "", now)), "CreateRecord of the expiring card")
	_, _, _, err = cardWithRecord(t, s, "a", expiring.ID, "hold", expiring.ExpiresAt)
	wantErr(t, err, vault.ErrNotFound, "CardWithRecord of an expired card")

	// A record without key, parent, data or expiry comes back as zero values.
	bare := vault.Record{Tenant: "a", Kind: "bare", ID: card.ID, Version: 1, CreatedAt: now, UpdatedAt: now}
	check(t, s.CreateRecord(ctx, bare), "CreateRecord bare")
	_, r, found, err = cardWithRecord(t, s, "a", card.ID, "bare", now)
	check(t, err, "CardWithRecord bare")
	if !found {
		t.Fatal("CardWithRecord bare: not found")
	}
	same(t, r, bare)

	// Inside a transaction it sees the transaction's own writes.
	check(t, s.Tx(ctx, func(tx vault.Store) error {
		check(t, tx.DeleteRecord(ctx, "a", "hold", card.ID), "DeleteRecord in Tx")
		if _, _, found, err := cardWithRecord(t, tx, "a", card.ID, "hold", now); err != nil || found {
			t.Errorf("CardWithRecord in Tx after the delete: found %v, %v", found, err)
		}
		fresh := newRecord("a", "hold", card.ID, "", "", now)
		fresh.Data = []byte("fresh")
		check(t, tx.CreateRecord(ctx, fresh), "CreateRecord in Tx")
		_, r, found, err := cardWithRecord(t, tx, "a", card.ID, "hold", now)
		if err != nil || !found || string(r.Data) != "fresh" {
			t.Errorf("CardWithRecord in Tx after the insert: found %v, data %q, %v", found, r.Data, err)
		}
		return nil
	}), "Tx")
}
