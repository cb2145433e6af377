package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// testCardsCRUD: a card is created, read, updated and deleted once.
func testCardsCRUD(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	c := newCard("a", "card_1", now)
	check(t, s.CreateCard(ctx, c), "CreateCard")
	wantErr(t, s.CreateCard(ctx, newCard("b", c.ID, now)), vault.ErrConflict, "CreateCard with a taken id")

	got, err := s.GetCard(ctx, "a", c.ID, now)
	check(t, err, "GetCard")
	same(t, got, c)

	later := now.Add(time.Minute)
	u := c
	u.ExpMonth, u.ExpYear = 1, 2040
	u.Reference = "new-ref"
	u.Metadata = []byte(`{"k":"v"}`)
	u.SealedPAN = []byte("resealed-pan")
	u.SealedHolder = nil
	u.Integrity = []byte("new tag") // kept as given, like every other column
	u.UpdatedAt = later
	u.ExpiresAt = later.Add(time.Hour)
	u.CreatedAt = later // not mutable: the stored CreatedAt stays
	check(t, s.UpdateCard(ctx, u, later), "UpdateCard")
	got, err = s.GetCard(ctx, "a", c.ID, later)
	check(t, err, "GetCard after update")
	u.CreatedAt = c.CreatedAt
	same(t, got, u)

	wantErr(t, s.UpdateCard(ctx, newCard("a", "missing", now), now), vault.ErrNotFound, "UpdateCard missing")
	check(t, s.DeleteCard(ctx, "a", c.ID), "DeleteCard")
	wantErr(t, s.DeleteCard(ctx, "a", c.ID), vault.ErrNotFound, "DeleteCard twice")
	_, err = s.GetCard(ctx, "a", c.ID, later)
	wantErr(t, err, vault.ErrNotFound, "GetCard after delete")
	wantErr(t, s.UpdateCard(ctx, u, later), vault.ErrNotFound, "UpdateCard after delete")
}

// testCardsRoundTrip: every field, including binary blobs, sub-microsecond
// times and zero values, reads back as written (times at microsecond
// precision).
func testCardsRoundTrip(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	full := newCard("a", "card_full", now)
	full.SealedPAN = []byte{0, 1, 2, 0xfe, 0xff, 0}
	full.Fingerprint = "ünïcødé/fp+=="
	full.ExpiresAt = now.Add(365 * 24 * time.Hour)
	full.UpdatedAt = now.Add(time.Second)

	ns := newCard("a", "card_ns", now)
	ns.CreatedAt = now.Add(789 * time.Nanosecond)
	ns.UpdatedAt = now.Add(time.Microsecond + 999*time.Nanosecond)
	ns.ExpiresAt = now.Add(time.Hour + 1)

	zero := vault.Card{Tenant: "a", ID: "card_zero", CreatedAt: now, UpdatedAt: now}

	for _, c := range []vault.Card{full, ns, zero} {
		check(t, s.CreateCard(ctx, c), "CreateCard "+c.ID)
		got, err := s.GetCard(ctx, "a", c.ID, now)
		check(t, err, "GetCard "+c.ID)
		want := c
		want.CreatedAt = c.CreatedAt.Truncate(time.Microsecond)
		want.UpdatedAt = c.UpdatedAt.Truncate(time.Microsecond)
		want.ExpiresAt = c.ExpiresAt.Truncate(time.Microsecond)
		same(t, got, want)
		if !got.ExpiresAt.IsZero() && got.ExpiresAt.Location() != time.UTC {
			t.Errorf("ExpiresAt location = %v, want UTC", got.ExpiresAt.Location())
		}
	}
}

// testCardsTenantIsolation: a tenant cannot see or touch another's cards.
func testCardsTenantIsolation(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	c := newCard("a", "card_1", now)
	check(t, s.CreateCard(ctx, c), "CreateCard")

	_, err := s.GetCard(ctx, "b", c.ID, now)
	wantErr(t, err, vault.ErrNotFound, "GetCard as b")
	stolen := c
	stolen.Tenant = "b"
	stolen.Reference = "stolen"
	wantErr(t, s.UpdateCard(ctx, stolen, now), vault.ErrNotFound, "UpdateCard as b")
	wantErr(t, s.DeleteCard(ctx, "b", c.ID), vault.ErrNotFound, "DeleteCard as b")
	list, err := s.ListCards(ctx, "b", vault.Page{}, now)
	check(t, err, "ListCards as b")
	if len(list) != 0 {
		t.Errorf("ListCards as b = %v, want none", ids(list, cardID))
	}
	fps, err := s.CardsByFingerprint(ctx, "b", c.Fingerprint, now)
	check(t, err, "CardsByFingerprint as b")
	if len(fps) != 0 {
		t.Errorf("CardsByFingerprint as b = %v, want none", ids(fps, cardID))
	}

	got, err := s.GetCard(ctx, "a", c.ID, now)
	check(t, err, "GetCard as a")
	same(t, got, c)
}

// testCardsByFingerprint: cards with one fingerprint are found in id order,
// within the tenant.
func testCardsByFingerprint(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	for _, c := range []struct{ tenant, id, fp string }{
		{"a", "card_3", "fp1"}, {"a", "card_1", "fp1"}, {"a", "card_2", "fp2"},
		{"b", "card_4", "fp1"}, {"a", "card_5", "fp1"},
	} {
		card := newCard(c.tenant, c.id, now)
		card.Fingerprint = c.fp
		check(t, s.CreateCard(ctx, card), "CreateCard")
	}
	got, err := s.CardsByFingerprint(ctx, "a", "fp1", now)
	check(t, err, "CardsByFingerprint")
	sameIDs(t, ids(got, cardID), []string{"card_1", "card_3", "card_5"}, "CardsByFingerprint")
	for _, c := range got {
		if c.Fingerprint != "fp1" || c.Tenant != "a" {
			t.Errorf("CardsByFingerprint returned %s of %s with %q", c.ID, c.Tenant, c.Fingerprint)
		}
	}
	got, err = s.CardsByFingerprint(ctx, "a", "none", now)
	check(t, err, "CardsByFingerprint unknown")
	if len(got) != 0 {
		t.Errorf("CardsByFingerprint unknown = %v, want none", ids(got, cardID))
	}
}

// listAllCards pages through a tenant's cards, calling between after each
// page, and fails if a page is too long or the walk does not end.
func listAllCards(tb testing.TB, s vault.Store, tenant string, limit int, now time.Time, between func(page int)) []string {
	tb.Helper()
	var got []string
	after := ""
	for page := 0; ; page++ {
		if page > 1000 {
			tb.Fatal("ListCards does not stop")
		}
		cards, err := s.ListCards(tb.Context(), tenant, vault.Page{After: after, Limit: limit}, now)
		check(tb, err, "ListCards")
		if len(cards) > limit {
			tb.Fatalf("ListCards returned %d cards, limit %d", len(cards), limit)
		}
		if len(cards) == 0 {
			return got
		}
		got = append(got, ids(cards, cardID)...)
		after = cards[len(cards)-1].ID
		if between != nil {
			between(page)
		}
	}
}

// testCardsPagination: 25 cards paged by 10 come back once each, in order.
func testCardsPagination(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	want := seq("card_", upTo(25)...)
	for i := len(want) - 1; i >= 0; i-- { // insertion order is not id order
		check(t, s.CreateCard(ctx, newCard("a", want[i], now)), "CreateCard")
	}
	check(t, s.CreateCard(ctx, newCard("b", "card_b", now)), "CreateCard other tenant")
	sameIDs(t, listAllCards(t, s, "a", 10, now, nil), want, "pages of 10")
	sameIDs(t, listAllCards(t, s, "a", 1, now, nil), want, "pages of 1")

	first, err := s.ListCards(ctx, "a", vault.Page{}, now)
	check(t, err, "ListCards with limit 0")
	sameIDs(t, ids(first, cardID), want, "ListCards with the default limit")
	last, err := s.ListCards(ctx, "a", vault.Page{After: want[24], Limit: 10}, now)
	check(t, err, "ListCards past the end")
	if len(last) != 0 {
		t.Errorf("ListCards past the end = %v, want none", ids(last, cardID))
	}
}

// testCardsPaginationStable: rows inserted or deleted between pages do not
// make a keyset walk repeat or skip the rows that stayed.
func testCardsPaginationStable(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	evens := make([]int, 25)
	for i := range evens {
		evens[i] = 2 * i // card_00, card_02, … card_48
	}
	for _, id := range seq("card_", evens...) {
		check(t, s.CreateCard(ctx, newCard("a", id, now)), "CreateCard")
	}
	got := listAllCards(t, s, "a", 10, now, func(page int) {
		if page != 0 { // after card_00 … card_18
			return
		}
		check(t, s.CreateCard(ctx, newCard("a", "card_05", now)), "insert behind the cursor")
		check(t, s.CreateCard(ctx, newCard("a", "card_19", now)), "insert ahead of the cursor")
		check(t, s.DeleteCard(ctx, "a", "card_04"), "delete behind the cursor")
		check(t, s.DeleteCard(ctx, "a", "card_20"), "delete ahead of the cursor")
	})
	var want []string
	for _, n := range evens {
		if n == 20 {
			want = append(want, "card_19")
			continue
		}
		want = append(want, fmt.Sprintf("card_%02d", n))
	}
	sameIDs(t, got, want, "walk with changes between pages")
}

// testCardsPageLimits: a page never holds more than 1000 rows.
func testCardsPageLimits(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	err := s.Tx(ctx, func(tx vault.Store) error {
		for i := range 1001 {
			if err := tx.CreateCard(ctx, newCard("a", fmt.Sprintf("card_%04d", i), now)); err != nil {
				return err
			}
		}
		return nil
	})
	check(t, err, "create 1001 cards")
	for _, limit := range []int{0, 1000, 1001, 1 << 30} {
		cards, err := s.ListCards(ctx, "a", vault.Page{Limit: limit}, now)
		check(t, err, "ListCards")
		want := 1000
		if limit == 0 {
			want = 100
		}
		if len(cards) != want {
			t.Errorf("ListCards with limit %d returned %d cards, want %d", limit, len(cards), want)
		}
	}
}

// testCardsExpiry: an expired card is invisible to every read that takes
// now, cannot be updated, and is removed by DeleteExpired.
func testCardsExpiry(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	hour := now.Add(time.Hour)
	mk := func(id string, expires time.Time) vault.Card {
		c := newCard("a", id, now)
		c.Fingerprint = "fp"
		c.ExpiresAt = expires
		check(t, s.CreateCard(ctx, c), "CreateCard "+id)
		return c
	}
	soon := mk("card_1", hour)
	mk("card_2", now) // expired at now: ExpiresAt is not after now
	mk("card_3", time.Time{})
	past := mk("card_4", now.Add(-time.Hour))

	_, err := s.GetCard(ctx, "a", soon.ID, now)
	check(t, err, "GetCard before expiry")
	_, err = s.GetCard(ctx, "a", soon.ID, hour)
	wantErr(t, err, vault.ErrNotFound, "GetCard at expiry")
	_, err = s.GetCard(ctx, "a", "card_2", now)
	wantErr(t, err, vault.ErrNotFound, "GetCard expired")
	wantErr(t, s.UpdateCard(ctx, past, now), vault.ErrNotFound, "UpdateCard expired")

	list, err := s.ListCards(ctx, "a", vault.Page{}, now)
	check(t, err, "ListCards")
	sameIDs(t, ids(list, cardID), []string{"card_1", "card_3"}, "ListCards at now")
	list, err = s.ListCards(ctx, "a", vault.Page{}, hour)
	check(t, err, "ListCards later")
	sameIDs(t, ids(list, cardID), []string{"card_3"}, "ListCards an hour later")
	list, err = s.CardsByFingerprint(ctx, "a", "fp", now)
	check(t, err, "CardsByFingerprint")
	sameIDs(t, ids(list, cardID), []string{"card_1", "card_3"}, "CardsByFingerprint at now")

	// Clearing the expiry of a live card keeps it.
	keep := soon
	keep.ExpiresAt = time.Time{}
	check(t, s.UpdateCard(ctx, keep, now), "UpdateCard clearing expiry")
	_, err = s.GetCard(ctx, "a", soon.ID, hour.Add(time.Hour))
	check(t, err, "GetCard after clearing expiry")

	n, err := s.DeleteExpired(ctx, hour, 1)
	check(t, err, "DeleteExpired")
	if n != 1 {
		t.Errorf("DeleteExpired(limit 1) = %d, want 1", n)
	}
	n, err = s.DeleteExpired(ctx, hour, 10)
	check(t, err, "DeleteExpired")
	if n != 1 {
		t.Errorf("DeleteExpired(limit 10) = %d, want the 1 left", n)
	}
	n, err = s.DeleteExpired(ctx, hour, 10)
	check(t, err, "DeleteExpired")
	if n != 0 {
		t.Errorf("DeleteExpired with nothing expired = %d, want 0", n)
	}
	wantErr(t, s.DeleteCard(ctx, "a", past.ID), vault.ErrNotFound, "DeleteCard after DeleteExpired")
	for _, id := range []string{"card_1", "card_3"} {
		check(t, s.DeleteCard(ctx, "a", id), "DeleteCard live "+id)
	}
}
