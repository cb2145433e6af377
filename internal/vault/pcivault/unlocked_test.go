package pcivault_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// pvNodes returns two PCI Vault services over one store and clock, as two
// nodes of a cluster are, with one user "u" holding one entry under
// reference "r"; the first node has revealed it once (its unlock window
// is open).
func pvNodes(t *testing.T, svc *vault.Service) (a, b *pcivault.Service, ref pcivault.EntryRef) {
	t.Helper()
	ctx := context.Background()
	o := pcivault.Options{KDF: seal.TestKDFParams, UnlockCacheTTL: time.Minute, UserRecheck: 5 * time.Second}
	a, b = pcivault.New(svc, o), pcivault.New(svc, o)
	if _, _, err := a.CreateUserKey(ctx, vault.DefaultTenant, "u", pvPass); err != nil {
		t.Fatal(err)
	}
	ref, err := a.StoreEntry(ctx, vault.DefaultTenant, pcivault.StoreInput{User: "u", Passphrase: pvPass, Reference: "r",
		Data: []byte(`{"card_number":"4111111111111111"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", pvPass, ref.Token, "r"); err != nil {
		t.Fatal(err)
	}
	return a, b, ref
}

// pvCode returns err's vault error code, or "" when it has none.
func pvCode(err error) vault.Code {
	var ve *vault.Error
	if errors.As(err, &ve) {
		return ve.Code
	}
	return ""
}

// Within an unlock window a reveal reuses the user record of the last
// unlock, but the passphrase is checked on every request: a wrong one (one
// byte off, a prefix, one with a byte more, another user's) is refused as
// before, and the right one still works afterwards.
func TestPCIVaultCachedUnlockStillChecksPassphrase(t *testing.T) {
	pvServices(t, func(t *testing.T, svc *vault.Service) {
		ctx := context.Background()
		a, _, ref := pvNodes(t, svc)
		if pcivault.UnlockedUsers(a) != 1 {
			t.Fatalf("%d users kept after a reveal, want 1", pcivault.UnlockedUsers(a))
		}
		runs := pcivault.UnlockRuns(a)
		if _, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", pvPass, ref.Token, "r"); err != nil {
			t.Fatal(err)
		}
		if n := pcivault.UnlockRuns(a) - runs; n != 0 {
			t.Fatalf("a reveal in the window ran Argon2id %d times", n)
		}
		wrong := []string{pvPass[:len(pvPass)-1] + "X", pvPass[:len(pvPass)-1], pvPass + "x", strings.ToUpper(pvPass), " " + pvPass}
		for _, pass := range wrong {
			_, data, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", pass, ref.Token, "r")
			if pvCode(err) != vault.CodeUnauthorized || data != nil {
				t.Fatalf("wrong passphrase %q in the window: data %q, err %v; want unauthorized", pass, data, err)
			}
		}
		if _, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", "", ref.Token, "r"); pvCode(err) != vault.CodeInvalid {
			t.Fatalf("no passphrase in the window: %v, want invalid", err)
		}
		// Another user of the tenant with the same passphrase is not u.
		if _, _, err := a.CreateUserKey(ctx, vault.DefaultTenant, "v", pvPass); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "v", pvPass, ref.Token, "r"); pvCode(err) != vault.CodeNotFound {
			t.Fatalf("v read u's entry: %v", err)
		}
		if _, data, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", pvPass, ref.Token, "r"); err != nil || !strings.Contains(string(data), "4111111111111111") {
			t.Fatalf("right passphrase after wrong ones: %s, %v", data, err)
		}
	})
}

// A passphrase change on this node refuses the old passphrase at once,
// even in the window of an unlock with it.
func TestPCIVaultPassphraseChangeDropsUnlockedUser(t *testing.T) {
	pvServices(t, func(t *testing.T, svc *vault.Service) {
		ctx := context.Background()
		a, _, ref := pvNodes(t, svc)
		newPass := "another passphrase, long enough"
		if err := a.ChangePassphrase(ctx, vault.DefaultTenant, "u", pvPass, newPass); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", pvPass, ref.Token, "r"); pvCode(err) != vault.CodeUnauthorized {
			t.Fatalf("old passphrase after a change on this node: %v, want unauthorized", err)
		}
		if _, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", newPass, ref.Token, "r"); err != nil {
			t.Fatalf("new passphrase: %v", err)
		}
	})
}

// Deleting a key on this node ends its reveals at once; a key created
// again under the same name, with the same passphrase, is a new key.
func TestPCIVaultKeyDeletionDropsUnlockedUser(t *testing.T) {
	pvServices(t, func(t *testing.T, svc *vault.Service) {
		ctx := context.Background()
		a, _, ref := pvNodes(t, svc)
		if _, err := a.DeleteUserKey(ctx, vault.DefaultTenant, "u", false); err != nil {
			t.Fatal(err)
		}
		if pcivault.UnlockedUsers(a) != 0 {
			t.Fatalf("a deleted key is still kept")
		}
		if _, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", pvPass, ref.Token, "r"); pvCode(err) != vault.CodeNotFound {
			t.Fatalf("reveal after deletion: %v, want not_found", err)
		}
		if _, _, err := a.CreateUserKey(ctx, vault.DefaultTenant, "u", pvPass); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", pvPass, ref.Token, "r"); pvCode(err) != vault.CodeNotFound {
			t.Fatalf("the new key read the old key's data: %v", err)
		}
	})
}

// On another node, a passphrase change takes at most UserRecheck to refuse
// the old passphrase here (the stated bound), and a deleted key's data is
// never served, nor is a key created again there hidden.
func TestPCIVaultUnlockedUserAcrossNodes(t *testing.T) {
	clock := &pvClock{t: time.Now().UTC()}
	pvServicesWith(t, vault.Options{Now: clock.Now}, func(t *testing.T, svc *vault.Service) {
		ctx := context.Background()
		a, b, ref := pvNodes(t, svc)
		newPass := "another passphrase, long enough"
		if err := b.ChangePassphrase(ctx, vault.DefaultTenant, "u", pvPass, newPass); err != nil {
			t.Fatal(err)
		}
		// Within the bound, node a has not read the record again.
		if _, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", pvPass, ref.Token, "r"); err != nil {
			t.Fatalf("within the bound: %v", err)
		}
		clock.add(5 * time.Second)
		if _, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", pvPass, ref.Token, "r"); pvCode(err) != vault.CodeUnauthorized {
			t.Fatalf("old passphrase %s after a change on another node: %v, want unauthorized", 5*time.Second, err)
		}
		if _, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", newPass, ref.Token, "r"); err != nil {
			t.Fatal(err)
		}

		// Node b deletes the key (and so its data) and makes it again with
		// the passphrase node a holds a window for, and stores new data:
		// node a finds it through the store.
		if _, err := b.DeleteUserKey(ctx, vault.DefaultTenant, "u", false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := b.CreateUserKey(ctx, vault.DefaultTenant, "u", newPass); err != nil {
			t.Fatal(err)
		}
		ref2, err := b.StoreEntry(ctx, vault.DefaultTenant, pcivault.StoreInput{User: "u", Passphrase: newPass, Reference: "r",
			Data: []byte(`{"card_number":"5555555555554444"}`)})
		if err != nil {
			t.Fatal(err)
		}
		_, data, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", newPass, ref2.Token, "r")
		if err != nil || !strings.Contains(string(data), "5555555555554444") {
			t.Fatalf("the key made again on another node: %s, %v", data, err)
		}
		// Node b deletes it again while node a holds its window: its data
		// is never served again.
		if _, err := b.DeleteUserKey(ctx, vault.DefaultTenant, "u", false); err != nil {
			t.Fatal(err)
		}
		if _, data, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", newPass, ref2.Token, "r"); pvCode(err) != vault.CodeNotFound {
			t.Fatalf("data of a key deleted on another node: %s, %v; want not_found", data, err)
		}
	})
}

// With the caches off (UnlockCacheTTL < 0), every reveal reads the record.
func TestPCIVaultUnlockedUsersOff(t *testing.T) {
	pvServices(t, func(t *testing.T, svc *vault.Service) {
		ctx := context.Background()
		p := pcivault.New(svc, pcivault.Options{KDF: seal.TestKDFParams, UnlockCacheTTL: -1})
		if _, _, err := p.CreateUserKey(ctx, vault.DefaultTenant, "u", pvPass); err != nil {
			t.Fatal(err)
		}
		ref, err := p.StoreEntry(ctx, vault.DefaultTenant, pcivault.StoreInput{User: "u", Passphrase: pvPass, Reference: "r",
			Data: []byte(`{"card_number":"4111111111111111"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := p.RevealEntry(ctx, vault.DefaultTenant, "u", pvPass, ref.Token, "r"); err != nil {
			t.Fatal(err)
		}
		if n := pcivault.UnlockedUsers(p); n != 0 {
			t.Fatalf("%d users kept with the caches off", n)
		}
	})
}

// A key in steady use has its unlock window renewed ahead of its end by a
// request that presents the right passphrase, so no request waits for an
// Argon2id run when the window ends; a wrong passphrase renews nothing,
// and a window nobody uses near its end ends as before.
func TestPCIVaultUnlockWindowRenewedAhead(t *testing.T) {
	clock := &pvClock{t: time.Now().UTC()}
	pvServicesWith(t, vault.Options{Now: clock.Now}, func(t *testing.T, svc *vault.Service) {
		ctx := context.Background()
		a, _, ref := pvNodes(t, svc) // unlocked at t0, window until t0+1m
		reveal := func(pass string) error {
			t.Helper()
			_, _, err := a.RevealEntry(ctx, vault.DefaultTenant, "u", pass, ref.Token, "r")
			pcivault.WaitRenewals(a)
			return err
		}
		runs := pcivault.UnlockRuns(a)
		clock.add(45 * time.Second)
		if err := reveal(pvPass); err != nil {
			t.Fatal(err)
		}
		if n := pcivault.UnlockRuns(a) - runs; n != 0 {
			t.Fatalf("%d Argon2id runs with a quarter of the window left, want 0", n)
		}
		clock.add(8 * time.Second) // t0+53s: within the last sixth
		if err := reveal(pvPass); err != nil {
			t.Fatal(err)
		}
		if n := pcivault.UnlockRuns(a) - runs; n != 1 {
			t.Fatalf("%d Argon2id runs near the window's end, want 1 (the renewal)", n)
		}
		// Reads that still hold the first window (kept for the reveal path)
		// do not renew it again.
		for range 3 {
			if err := reveal(pvPass); err != nil {
				t.Fatal(err)
			}
		}
		if n := pcivault.UnlockRuns(a) - runs; n != 1 {
			t.Fatalf("%d Argon2id runs after more reads near the first window's end, want 1 (one renewal)", n)
		}
		clock.add(10 * time.Second) // t0+63s: past the first window
		if err := reveal(pvPass); err != nil {
			t.Fatal(err)
		}
		if n := pcivault.UnlockRuns(a) - runs; n != 1 {
			t.Fatalf("a read after the first window ran Argon2id again (%d runs): the renewal did not take", n)
		}
		clock.add(45 * time.Second) // t0+108s: within the last sixth of the renewed window
		if err := reveal("a wrong passphrase, long enough"); pvCode(err) != vault.CodeUnauthorized {
			t.Fatalf("wrong passphrase: %v", err)
		}
		if n := pcivault.UnlockRuns(a) - runs; n != 2 {
			t.Fatalf("%d Argon2id runs after a wrong passphrase, want 2 (its own check, no renewal)", n)
		}
		clock.add(10 * time.Second) // t0+118s: past the renewed window
		if err := reveal(pvPass); err != nil {
			t.Fatal(err)
		}
		if n := pcivault.UnlockRuns(a) - runs; n != 3 {
			t.Fatalf("%d Argon2id runs after the renewed window ended unused, want 3", n)
		}
	})
}
