package sessions_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/sessions"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func sessionCard(t *testing.T) vault.CardInput {
	t.Helper()
	code, err := card.ParseSecurityCode("123", card.Visa)
	if err != nil {
		t.Fatal(err)
	}
	return vault.CardInput{PAN: vaulttest.MustPAN(t, "4111111111111111"), Expiry: card.Expiry{Month: 12, Year: 2039}, Holder: "Ada", SecurityCode: code}
}

func TestSessionCompletesOnce(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	s, err := svc.dom.CreateSession(ctx, sessions.Params{Tenant: vault.DefaultTenant, Purpose: sessions.Tokenize,
		Metadata: map[string]string{"k": "v"}, TokenTTL: time.Hour, KeyMaterial: []byte("private key bytes")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.dom.Session(ctx, s.ID)
	if err != nil || got.State != sessions.Pending || string(got.KeyMaterial) != "private key bytes" ||
		!got.ExpiresAt.Equal(svc.Clock.Now().Add(sessions.DefaultTTL)) {
		t.Fatalf("session %+v %v", got, err)
	}
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, errs[i] = svc.dom.CompleteSession(ctx, s.ID, sessionCard(t)) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch vault.CodeOf(err) {
		case "":
			won++
		case vault.CodeConflict:
		default:
			t.Errorf("completion failed with %v", err)
		}
	}
	cards, _ := svc.Vault.ListCards(ctx, vault.DefaultTenant, vault.Page{Limit: 10})
	if won != 1 || len(cards) != 1 {
		t.Fatalf("%d completions won, %d cards", won, len(cards))
	}
	done, err := svc.dom.TenantSession(ctx, vault.DefaultTenant, s.ID)
	if err != nil || done.State != sessions.Completed || done.CardID != cards[0].ID || done.KeyMaterial != nil {
		t.Fatalf("completed session %+v %v", done, err)
	}
	if cards[0].Metadata["k"] != "v" || !cards[0].ExpiresAt.Equal(svc.Clock.Now().Add(time.Hour)) {
		t.Errorf("card from session: %+v", cards[0])
	}
	if hold, _ := svc.Vault.SecurityCodeStatus(ctx, vault.DefaultTenant, cards[0].ID); !hold.Held {
		t.Error("the session's security code is not held")
	}
	if _, err := svc.dom.TenantSession(ctx, "other", s.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("another tenant read the session: %v", err)
	}
}

func TestSessionExpiresAndFails(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	s, err := svc.dom.CreateSession(ctx, sessions.Params{Tenant: vault.DefaultTenant, Purpose: sessions.Tokenize, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	svc.Clock.Advance(time.Minute)
	if _, err := svc.dom.CompleteSession(ctx, s.ID, sessionCard(t)); vault.CodeOf(err) != vault.CodeExpired {
		t.Fatalf("completing an expired session: %v", err)
	}
	if got, _ := svc.dom.TenantSession(ctx, vault.DefaultTenant, s.ID); got.State != sessions.Expired {
		t.Fatalf("state %s", got.State)
	}

	s, _ = svc.dom.CreateSession(ctx, sessions.Params{Tenant: vault.DefaultTenant, Purpose: sessions.Tokenize})
	bad := sessionCard(t)
	bad.Expiry = card.Expiry{Month: 1, Year: 2020}
	for i := range sessions.MaxAttempts {
		if _, err := svc.dom.CompleteSession(ctx, s.ID, bad); vault.CodeOf(err) != vault.CodeInvalid {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	got, _ := svc.dom.TenantSession(ctx, vault.DefaultTenant, s.ID)
	if got.State != sessions.Failed || got.Attempts != sessions.MaxAttempts {
		t.Fatalf("after %d bad attempts: %+v", sessions.MaxAttempts, got)
	}
	if _, err := svc.dom.CompleteSession(ctx, s.ID, sessionCard(t)); vault.CodeOf(err) != vault.CodeConflict {
		t.Fatalf("completing a failed session: %v", err)
	}
}

func TestSessionCreateChecks(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	for name, in := range map[string]sessions.Params{
		"purpose":          {Tenant: vault.DefaultTenant, Purpose: "steal"},
		"ttl":              {Tenant: vault.DefaultTenant, Purpose: sessions.Tokenize, TTL: 2 * time.Hour},
		"unknown card":     {Tenant: vault.DefaultTenant, Purpose: sessions.SecurityCode, CardID: "01934b5e-0000-7000-8000-000000000000"},
		"card on tokenize": {Tenant: vault.DefaultTenant, Purpose: sessions.Tokenize, CardID: "x"},
	} {
		if _, err := svc.dom.CreateSession(ctx, in); err == nil {
			t.Errorf("%s: created", name)
		}
	}
	for _, id := range []string{"", "short", "../../etc/passwd"} {
		if _, err := svc.dom.Session(ctx, id); vault.CodeOf(err) != vault.CodeNotFound {
			t.Errorf("%q: %v", id, err)
		}
	}
}

func TestSecurityCodeSession(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	v, err := svc.Vault.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "4111111111111111"), Expiry: card.Expiry{Month: 1, Year: 2040}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := svc.dom.CreateSession(ctx, sessions.Params{Tenant: vault.DefaultTenant, Purpose: sessions.SecurityCode, CardID: v.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.dom.CompleteSession(ctx, s.ID, vault.CardInput{}); vault.CodeOf(err) != vault.CodeInvalid {
		t.Fatalf("no code: %v", err)
	}
	code, _ := card.ParseSecurityCode("777", card.Visa)
	if _, err := svc.dom.CompleteSession(ctx, s.ID, vault.CardInput{SecurityCode: code}); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Vault.SecurityCode(ctx, vault.DefaultTenant, v.ID); err != nil || got.Digits() != "777" {
		t.Fatalf("held code: %v", err)
	}
	// Past the hold's TTL (an hour here) the code is deleted on the next check.
	svc.Clock.Advance(time.Hour)
	hold, err := svc.Vault.SecurityCodeAvailable(ctx, vault.DefaultTenant, v.ID)
	if err != nil || hold.Held {
		t.Fatalf("expired hold %+v %v", hold, err)
	}
	rs, _ := svc.Store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: "security_code", Page: vault.Page{Limit: 10}}, time.Time{})
	if len(rs) != 0 {
		t.Fatal("the expired code is still stored")
	}
}

// env is a vault core with the sessions domain on it.
type env struct {
	*vaulttest.Core
	dom *sessions.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	t.Parallel()
	c := vaulttest.NewCore(t, vault.Options{SecurityCodeTTL: time.Hour})
	return &env{Core: c, dom: sessions.New(c.Vault, nil)}
}
