package vault_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// noticeLog collects the core's notices.
type noticeLog struct {
	mu   sync.Mutex
	seen []vault.Notice
}

func (l *noticeLog) record(_ context.Context, n vault.Notice) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, n)
	return nil
}

func (l *noticeLog) count(action, actor string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.seen {
		if s.Action == action && s.Actor == actor {
			n++
		}
	}
	return n
}

// keyContext makes a key with the scopes a guesser needs and returns a
// context carrying it, and its secret.
func keyContext(t *testing.T, svc *vault.Service) (context.Context, vault.Principal, string) {
	t.Helper()
	_, secret, err := svc.CreateAPIKey(context.Background(), vault.NewAPIKey{Tenant: vault.DefaultTenant,
		Scopes: []vault.Scope{vault.ScopeCardsWrite, vault.ScopeCardsRead}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	return vault.WithPrincipal(context.Background(), p), p, secret
}

// guess stores one candidate card and deletes it again, as a search for a
// stored card's hidden digits does.
func guess(t *testing.T, ctx context.Context, svc *vault.Service, pan string) error {
	t.Helper()
	v, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, pan),
		Expiry: card.Expiry{Month: 12, Year: 2035}})
	if err != nil {
		return err
	}
	return svc.DeleteCard(ctx, vault.DefaultTenant, v.ID)
}

var guesses = []string{"4111111111111111", "4012888888881881", "4222222222222", "5555555555554444",
	"5105105105105100", "378282246310005", "6011111111111117"}

func TestEnumerationGuardSuspendsAKeyThatDeletesWhatItCreates(t *testing.T) {
	c := vaulttest.NewCore(t, vault.Options{Enumeration: vault.EnumerationLimits{MaxProbes: 5}})
	notices := &noticeLog{}
	c.Vault.OnNotice(notices.record)
	ctx, p, secret := keyContext(t, c.Vault)
	other, _, otherSecret := keyContext(t, c.Vault)

	for i := range 4 {
		if err := guess(t, ctx, c.Vault, guesses[i]); err != nil {
			t.Fatalf("guess %d refused before the limit: %v", i, err)
		}
	}
	if _, err := c.Vault.Authenticate(context.Background(), secret); err != nil {
		t.Fatalf("key refused before the limit: %v", err)
	}
	if err := guess(t, ctx, c.Vault, guesses[4]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Vault.Authenticate(context.Background(), secret); vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Fatalf("key still works after reaching the limit: %v", err)
	}
	// The suspension is written to the store, so every node refuses the key.
	deadline := time.Now().Add(5 * time.Second)
	for {
		k, err := c.Vault.GetAPIKey(context.Background(), vault.DefaultTenant, p.KeyID)
		if err == nil && !k.RevokedAt.IsZero() && notices.count(vault.ActionKeySuspended, p.KeyID) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("suspension not stored or not reported: %+v %v, %d notices", k, err, notices.count(vault.ActionKeySuspended, p.KeyID))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := notices.count(vault.ActionCardCreate, p.KeyID); got != 5 {
		t.Errorf("%d card.create notices, want 5", got)
	}
	if got := notices.count(vault.ActionCardDelete, p.KeyID); got != 5 {
		t.Errorf("%d card.delete notices, want 5", got)
	}
	// Another key of the same tenant is not affected.
	if err := guess(t, other, c.Vault, guesses[5]); err != nil {
		t.Fatalf("another key: %v", err)
	}
	if _, err := c.Vault.Authenticate(context.Background(), otherSecret); err != nil {
		t.Fatalf("another key refused: %v", err)
	}
}

func TestEnumerationGuardIgnoresDeletingOldCards(t *testing.T) {
	c := vaulttest.NewCore(t, vault.Options{Enumeration: vault.EnumerationLimits{MaxProbes: 3, ShortLived: time.Minute}})
	ctx, _, secret := keyContext(t, c.Vault)
	var ids []string
	for _, pan := range guesses {
		v, err := c.Vault.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, pan)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	c.Clock.Advance(2 * time.Minute)
	for _, id := range ids {
		if err := c.Vault.DeleteCard(ctx, vault.DefaultTenant, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Vault.Authenticate(context.Background(), secret); err != nil {
		t.Fatalf("a key cleaning up old cards was suspended: %v", err)
	}
}

func TestEnumerationGuardCanBeTurnedOff(t *testing.T) {
	c := vaulttest.NewCore(t, vault.Options{Enumeration: vault.EnumerationLimits{MaxProbes: -1}})
	ctx, _, secret := keyContext(t, c.Vault)
	for _, pan := range guesses {
		if err := guess(t, ctx, c.Vault, pan); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Vault.Authenticate(context.Background(), secret); err != nil {
		t.Fatalf("guard off, key suspended: %v", err)
	}
}

// A guess that expires by itself within the short-lived span counts as a
// probe at creation: letting it expire is deleting it.
func TestEnumerationGuardCountsSelfExpiringCards(t *testing.T) {
	c := vaulttest.NewCore(t, vault.Options{Enumeration: vault.EnumerationLimits{MaxProbes: 3}})
	ctx, _, secret := keyContext(t, c.Vault)
	for _, pan := range guesses[:3] {
		if _, err := c.Vault.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, pan),
			ExpiresAt: c.Clock.Now().Add(time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Vault.Authenticate(context.Background(), secret); vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Fatalf("a key letting its guesses expire was not suspended: %v", err)
	}
}

// A principal that did not come through Authenticate (a signed JWT) is
// refused by Admit once its key is suspended or its tenant disabled.
func TestAdmitRefusesSuspendedKeysAndDisabledTenants(t *testing.T) {
	c := vaulttest.NewCore(t, vault.Options{Enumeration: vault.EnumerationLimits{MaxProbes: 2}})
	jwt := vault.Principal{Tenant: vault.DefaultTenant, KeyID: "jwt:abc", Scopes: []vault.Scope{vault.ScopeCardsWrite, vault.ScopeCardsRead}}
	ctx := vault.WithPrincipal(context.Background(), jwt)
	if err := c.Vault.Admit(ctx, jwt); err != nil {
		t.Fatalf("a fresh JWT principal refused: %v", err)
	}
	for _, pan := range guesses[:2] {
		if err := guess(t, ctx, c.Vault, pan); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Vault.Admit(ctx, jwt); vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Fatalf("a suspended JWT key admitted: %v", err)
	}
	other := vault.Principal{Tenant: "other", KeyID: "jwt:def"}
	if _, err := c.Vault.CreateTenant(context.Background(), "other", "Other"); err != nil {
		t.Fatal(err)
	}
	if err := c.Vault.DisableTenant(context.Background(), "other"); err != nil {
		t.Fatal(err)
	}
	if err := c.Vault.Admit(context.Background(), other); vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Fatalf("a disabled tenant's JWT admitted: %v", err)
	}
}
