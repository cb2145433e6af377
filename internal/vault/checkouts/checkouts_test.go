package checkouts_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/checkouts"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestSessionHoldsItsCardSealedAndOnlyForItsLifetime(t *testing.T) {
	t.Parallel()
	c := vaulttest.NewCore(t, vault.Options{})
	ctx := t.Context()
	s := checkouts.New(c.Vault)
	sess, err := s.Create(ctx, vault.DefaultTenant, nil, 0)
	if err != nil || !sess.ExpiresAt.Equal(c.Clock.Now().Add(checkouts.DefaultTTL)) {
		t.Fatalf("create: %+v %v", sess, err)
	}
	pan := vaulttest.MustPAN(t, "4111111111111111")
	exp, _ := card.ParseExpiry("07/31")
	code, _ := card.ParseSecurityCode("737", card.Visa)
	if err := s.SetCard(ctx, sess.ID, pan, exp, code); err != nil {
		t.Fatal(err)
	}
	recs, err := c.Store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindCheckoutSession}, c.Clock.Now())
	if err != nil || len(recs) != 1 {
		t.Fatalf("records %v %v", recs, err)
	}
	raw, _ := json.Marshal(recs[0])
	if strings.Contains(string(raw), "4111111111111111") || strings.Contains(string(raw), "737") {
		t.Fatalf("the store sees the card in the clear: %s", raw)
	}
	got, err := s.Get(ctx, vault.DefaultTenant, sess.ID)
	if err != nil || got.Card == nil || got.Card.Last4 != "1111" || !got.HasSecurityCode {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := s.Get(ctx, "", sess.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("a read without a tenant: %v", err)
	}
	if _, err := s.Secrets(ctx, "other", sess.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("another tenant reads the secrets: %v", err)
	}
	sec, err := s.Secrets(ctx, vault.DefaultTenant, sess.ID)
	if err != nil || sec.PAN.Digits() != pan.Digits() || sec.SecurityCode.Digits() != "737" {
		t.Fatalf("secrets: %v", err)
	}
	for _, ttl := range []time.Duration{time.Minute, 25 * time.Hour} {
		if _, err := s.Create(ctx, vault.DefaultTenant, nil, ttl); vault.CodeOf(err) != vault.CodeInvalid {
			t.Errorf("lifetime %v: %v", ttl, err)
		}
	}
	c.Clock.Advance(checkouts.DefaultTTL + time.Second)
	if _, err := s.Secrets(ctx, vault.DefaultTenant, sess.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("an expired session's secrets: %v", err)
	}
	if err := s.SetCard(ctx, sess.ID, pan, exp, code); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("filling an expired session: %v", err)
	}
	if n, err := c.Vault.CleanExpired(ctx); err != nil || n < 1 {
		t.Fatalf("cleaner removed %d: %v", n, err)
	}
}
