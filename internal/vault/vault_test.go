package vault_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// newService starts a core on a fresh SQLite store, its clock stopped at
// vaulttest.CoreEpoch, and runs the test in parallel with the others.
func newService(t *testing.T) (*vault.Service, vault.Store, *vaulttest.Clock) {
	t.Helper()
	t.Parallel()
	c := vaulttest.NewCore(t, vault.Options{SecurityCodeTTL: time.Hour})
	return c.Vault, c.Store, c.Clock
}

func keyring(t *testing.T, key []byte) *seal.Keyring {
	t.Helper()
	k, err := seal.NewKeyring(1, map[uint32][]byte{1: key})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestWrongMasterKeyIsRefused(t *testing.T) {
	_, store, _ := newService(t)
	other := vault.New(store, keyring(t, seal.GenerateKey()), vault.Options{})
	if err := other.Init(context.Background()); !errors.Is(err, seal.ErrWrongMasterKey) {
		t.Fatalf("Init with another master key: %v, want ErrWrongMasterKey", err)
	}
}

func TestCardsAreSealedAndTenantBound(t *testing.T) {
	ctx := context.Background()
	svc, store, _ := newService(t)
	if _, err := svc.CreateTenant(ctx, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	a, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "4111111111111111"), Holder: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "5555555555554444")})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := store.GetCard(ctx, vault.DefaultTenant, a.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if string(raw.SealedPAN) == "4111111111111111" || len(raw.SealedPAN) < 16+12 {
		t.Fatal("the store holds the PAN in the clear")
	}
	if _, err := svc.GetCard(ctx, "acme", a.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("another tenant read the card: %v", err)
	}
	if err := svc.DeleteCard(ctx, "acme", a.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("another tenant deleted the card: %v", err)
	}

	// Moving card A's ciphertext into card B's row must not decrypt.
	rawB, _ := store.GetCard(ctx, vault.DefaultTenant, b.ID, time.Time{})
	rawB.SealedPAN = raw.SealedPAN
	if err := store.UpdateCard(ctx, rawB, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RevealCard(ctx, vault.DefaultTenant, b.ID); err == nil {
		t.Fatal("a ciphertext moved to another card decrypted")
	}
}

func TestFingerprintFindsSameCardOnly(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	for _, n := range []string{"4111111111111111", "4111 1111 1111 1111", "5555555555554444"} {
		if _, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, n)}); err != nil {
			t.Fatal(err)
		}
	}
	found, err := svc.FindCards(ctx, vault.DefaultTenant, vaulttest.MustPAN(t, "4111-1111-1111-1111"))
	if err != nil || len(found) != 2 {
		t.Fatalf("found %d cards (%v), want 2", len(found), err)
	}
	if _, err := svc.CreateTenant(ctx, "acme", ""); err != nil {
		t.Fatal(err)
	}
	if found, _ := svc.FindCards(ctx, "acme", vaulttest.MustPAN(t, "4111111111111111")); len(found) != 0 {
		t.Fatal("fingerprint search crossed tenants")
	}
	fpA, _ := svc.Fingerprint(ctx, vault.DefaultTenant, "4111111111111111")
	fpB, _ := svc.Fingerprint(ctx, "acme", "4111111111111111")
	if fpA == fpB {
		t.Fatal("two tenants share an index key")
	}
}

func TestSecurityCodeIsHeldApartAndExpires(t *testing.T) {
	ctx := context.Background()
	svc, store, c := newService(t)
	code, _ := card.ParseSecurityCode("123", card.Visa)
	v, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "4111111111111111"), SecurityCode: code})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.SecurityCode(ctx, vault.DefaultTenant, v.ID)
	if err != nil || got.Digits() != "123" {
		t.Fatalf("held code: %v", err)
	}
	if _, err := svc.SecurityCode(ctx, "other", v.ID); err == nil {
		t.Fatal("another tenant read the code")
	}
	c.Advance(time.Hour + time.Second)
	if st, _ := svc.SecurityCodeStatus(ctx, vault.DefaultTenant, v.ID); st.Held {
		t.Fatal("code still held after its TTL")
	}
	if n, err := svc.CleanExpired(ctx); err != nil || n != 1 {
		t.Fatalf("cleaned %d (%v), want the 1 expired code", n, err)
	}
	if _, err := store.GetRecord(ctx, "security_code", v.ID, time.Time{}); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("expired code still in the store: %v", err)
	}
	if _, err := svc.GetCard(ctx, vault.DefaultTenant, v.ID); err != nil {
		t.Fatalf("card went with its code: %v", err)
	}
}

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	svc, _, c := newService(t)
	k, secret, err := svc.CreateAPIKey(ctx, vault.NewAPIKey{Tenant: vault.DefaultTenant, Scopes: []vault.Scope{vault.ScopeCardsRead},
		ExpiresAt: c.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, secret)
	if err != nil || p.KeyID != k.ID || !p.Can(vault.ScopeCardsRead) || p.Can(vault.ScopeCardsReveal) {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	c.Advance(2 * time.Hour)
	if _, err := svc.Authenticate(ctx, secret); vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Fatalf("expired key: %v", err)
	}
	if err := svc.EnsureBootstrapKey(ctx, "short"); vault.CodeOf(err) != vault.CodeInvalid {
		t.Fatalf("short bootstrap key: %v", err)
	}
	boot := "bootstrap-bootstrap-bootstrap-bootstrap"
	for range 2 { // idempotent across restarts
		if err := svc.EnsureBootstrapKey(ctx, boot); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := svc.Authenticate(ctx, boot); err != nil || !p.Can(vault.ScopeCardsReveal) {
		t.Fatalf("bootstrap key: %+v %v", p, err)
	}
}

// Values kept in the clear (reference, metadata) never hold a card number:
// one that looks like one is refused, and the refusal does not echo it.
func TestCardNumberInClearFieldsIsRefused(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	pan := vaulttest.MustPAN(t, "4111111111111111")
	for name, in := range map[string]vault.CardInput{
		"reference":           {PAN: pan, Reference: "order 4111-1111-1111-1111"},
		"metadata value":      {PAN: pan, Metadata: map[string]string{"note": "5105.1051.0510.5100"}},
		"metadata amex value": {PAN: pan, Metadata: map[string]string{"b": "3782 822463 10005"}},
		"metadata key":        {PAN: pan, Metadata: map[string]string{"4012888888881881": "x"}},
	} {
		_, err := svc.CreateCard(ctx, vault.DefaultTenant, in)
		var ve *vault.Error
		if !errors.As(err, &ve) || ve.Code != vault.CodeInvalid {
			t.Errorf("%s: card number in the clear accepted: %v", name, err)
			continue
		}
		for _, digits := range []string{"4111", "5105", "3782", "4012"} {
			if strings.Contains(ve.Public, digits) || strings.Contains(err.Error(), digits+"1") {
				t.Errorf("%s: refusal echoes the value: %v", name, err)
			}
		}
	}
	v, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: pan, Reference: "order 12345",
		Metadata: map[string]string{"order": "A-1234567890", "ts": "1764756000"}})
	if err != nil {
		t.Fatalf("ordinary reference and metadata refused: %v", err)
	}
	ref := "4111 1111 1111 1111"
	if _, err := svc.UpdateCard(ctx, vault.DefaultTenant, v.ID, vault.CardUpdate{Reference: &ref}); vault.CodeOf(err) != vault.CodeInvalid {
		t.Fatalf("update put a card number in the reference: %v", err)
	}
}
