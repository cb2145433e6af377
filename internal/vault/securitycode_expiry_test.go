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

// expiryNotices collects the security_code.expired notices of a service.
type expiryNotices struct {
	mu      sync.Mutex
	targets []string
}

func (e *expiryNotices) watch(v *vault.Service) {
	v.OnNotice(func(_ context.Context, n vault.Notice) error {
		if n.Action == vault.ActionSecurityCodeExpired {
			e.mu.Lock()
			e.targets = append(e.targets, n.Tenant+"/"+n.Target)
			e.mu.Unlock()
		}
		return nil
	})
}

func (e *expiryNotices) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.targets...)
}

func storeWithCode(t *testing.T, v *vault.Service, tenant string) string {
	t.Helper()
	code, err := card.ParseSecurityCode("123", card.Visa)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := card.ParseExpiry("12/2039")
	c, err := v.CreateCard(context.Background(), tenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "4111111111111111"),
		Expiry: exp, SecurityCode: code})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestAnExpiredSecurityCodeIsReportedOnce checks the clean-up sweep reports
// each expired hold exactly once, also when the read path drops it first,
// and never a live one.
func TestAnExpiredSecurityCodeIsReportedOnce(t *testing.T) {
	ctx := context.Background()
	c := vaulttest.NewCore(t, vault.Options{SecurityCodeTTL: time.Hour})
	if _, err := c.Vault.CreateTenant(ctx, "acme", "acme"); err != nil {
		t.Fatal(err)
	}
	var seen expiryNotices
	seen.watch(c.Vault)
	a := storeWithCode(t, c.Vault, vault.DefaultTenant)
	b := storeWithCode(t, c.Vault, "acme")
	c.Clock.Advance(30 * time.Minute)
	late := storeWithCode(t, c.Vault, vault.DefaultTenant)
	if _, err := c.Vault.CleanExpired(ctx); err != nil {
		t.Fatal(err)
	}
	if got := seen.list(); len(got) != 0 {
		t.Fatalf("live codes reported expired: %v", got)
	}
	c.Clock.Advance(31 * time.Minute)
	// The read path finds b expired and drops it: reported there.
	if h, err := c.Vault.SecurityCodeAvailable(ctx, "acme", b); err != nil || h.Held {
		t.Fatalf("b: %+v %v", h, err)
	}
	if _, err := c.Vault.CleanExpired(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Vault.CleanExpired(ctx); err != nil {
		t.Fatal(err)
	}
	// Notices from a transaction arrive on their own goroutine.
	for range 1000 {
		if len(seen.list()) >= 2 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	got := seen.list()
	want := map[string]bool{vault.DefaultTenant + "/" + a: true, "acme/" + b: true}
	if len(got) != 2 || !want[got[0]] || !want[got[1]] {
		t.Fatalf("reported %v, want each of %v once", got, want)
	}
	if h, err := c.Vault.SecurityCodeStatus(ctx, vault.DefaultTenant, late); err != nil || !h.Held {
		t.Fatalf("the later code is gone: %+v %v", h, err)
	}
	if _, err := c.Vault.SecurityCode(ctx, vault.DefaultTenant, a); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("the expired code is still there: %v", err)
	}
}
