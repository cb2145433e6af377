package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// testDeleteExpired: DeleteExpired removes expired cards and records
// together, never more than limit per call, and nothing live.
func testDeleteExpired(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	for i := range 3 {
		c := newCard("a", fmt.Sprintf("card_x%d", i), now)
		c.ExpiresAt = now.Add(-time.Duration(i) * time.Minute)
		check(t, s.CreateCard(ctx, c), "CreateCard expired")
	}
	for i := range 4 {
		r := newRecord("a", "k", fmt.Sprintf("rec_x%d", i), fmt.Sprintf("key-%d", i), "", now)
		r.ExpiresAt = now.Add(-time.Duration(i) * time.Second)
		check(t, s.CreateRecord(ctx, r), "CreateRecord expired")
	}
	live := newCard("a", "card_live", now)
	live.ExpiresAt = now.Add(time.Microsecond)
	check(t, s.CreateCard(ctx, live), "CreateCard live")
	liveRec := newRecord("a", "k", "rec_live", "", "", now)
	liveRec.ExpiresAt = now.Add(time.Microsecond)
	check(t, s.CreateRecord(ctx, liveRec), "CreateRecord live")
	check(t, s.CreateRecord(ctx, newRecord("a", "k", "rec_forever", "", "", now)), "CreateRecord without expiry")

	for _, step := range []struct{ limit, want int }{{5, 5}, {5, 2}, {5, 0}} {
		n, err := s.DeleteExpired(ctx, now, step.limit)
		check(t, err, "DeleteExpired")
		if n != step.want {
			t.Errorf("DeleteExpired(limit %d) = %d, want %d", step.limit, n, step.want)
		}
	}
	_, err := s.GetCard(ctx, "a", live.ID, now)
	check(t, err, "GetCard live")
	for _, id := range []string{"rec_live", "rec_forever"} {
		_, err := s.GetRecord(ctx, "k", id, now)
		check(t, err, "GetRecord "+id)
	}
	for i := range 3 {
		wantErr(t, s.DeleteCard(ctx, "a", fmt.Sprintf("card_x%d", i)), vault.ErrNotFound, "DeleteCard of a removed card")
	}
	n, err := s.DeleteRecords(ctx, "a", "k", "")
	check(t, err, "DeleteRecords")
	if n != 2 {
		t.Errorf("records left = %d, want 2", n)
	}
}

// testConflicts: every unique key reports vault.ErrConflict, and the error
// text holds no value from the row.
func testConflicts(t *testing.T, s vault.Store) {
	ctx, now := t.Context(), epoch()
	const secret = "secret_value_7d1f"
	for _, tc := range []struct {
		name   string
		create func() error
	}{
		{"meta", func() error { return s.InsertMeta(ctx, secret, []byte(secret)) }},
		{"tenant", func() error { return s.CreateTenant(ctx, vault.Tenant{ID: secret, Name: secret, CreatedAt: now}) }},
		{"key", func() error {
			return s.InsertKey(ctx, vault.WrappedKey{Tenant: secret, Purpose: "data", Version: 1, Wrapped: []byte(secret), CreatedAt: now})
		}},
		{"api key", func() error { return s.CreateAPIKey(ctx, newAPIKey("a", secret)) }},
		{"card", func() error { return s.CreateCard(ctx, newCard("a", secret, now)) }},
		{"record", func() error { return s.CreateRecord(ctx, newRecord("a", "k", secret, secret, secret, now)) }},
	} {
		check(t, tc.create(), "create "+tc.name)
		err := tc.create()
		wantErr(t, err, vault.ErrConflict, "create "+tc.name+" again")
		if strings.Contains(err.Error(), secret) {
			t.Errorf("conflict error for %s reveals a value: %v", tc.name, err)
		}
	}
}
