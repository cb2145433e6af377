package pcivault_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// pvClock is a settable clock for the vault service.
type pvClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *pvClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *pvClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// A second read of an entry opens no data key with HPKE; the cached keys
// serve nobody else (another tenant, another user, another passphrase) and
// end with the unlock window, and they are bounded in number.
func TestPCIVaultDataKeyCache(t *testing.T) {
	clock := &pvClock{t: time.Now().UTC()}
	pvServicesWith(t, vault.Options{Now: clock.Now}, func(t *testing.T, svc *vault.Service) {
		ctx := context.Background()
		p := pcivault.New(svc, pcivault.Options{KDF: seal.TestKDFParams, UnlockCacheTTL: time.Minute, DataKeyCacheSize: 3})
		if _, err := svc.CreateTenant(ctx, "other", "Other"); err != nil {
			t.Fatal(err)
		}
		type who struct{ tenant, user string }
		stored := map[who]pcivault.EntryRef{}
		for _, w := range []who{{vault.DefaultTenant, "u"}, {vault.DefaultTenant, "v"}, {"other", "u"}} {
			if _, _, err := p.CreateUserKey(ctx, w.tenant, w.user, pvPass); err != nil {
				t.Fatal(err)
			}
			ref, err := p.StoreEntry(ctx, w.tenant, pcivault.StoreInput{User: w.user, Passphrase: pvPass, Reference: "r",
				Data: []byte(`{"card_number":"4111111111111111","who":"` + w.tenant + "/" + w.user + `"}`)})
			if err != nil {
				t.Fatal(err)
			}
			stored[w] = ref
		}
		// reveal reads w's entry and reports how many data keys it opened with HPKE.
		reveal := func(w who, pass string) int64 {
			t.Helper()
			before := pcivault.DataKeyOpens(p)
			_, data, err := p.RevealEntry(ctx, w.tenant, w.user, pass, stored[w].Token, "r")
			if err != nil {
				t.Fatalf("reveal %v: %v", w, err)
			}
			if want := `"who":"` + w.tenant + "/" + w.user + `"`; !strings.Contains(string(data), want) {
				t.Fatalf("reveal %v returned %s", w, data)
			}
			return pcivault.DataKeyOpens(p) - before
		}
		a := who{vault.DefaultTenant, "u"}
		if n := reveal(a, pvPass); n != 1 {
			t.Fatalf("first read opened %d data keys, want 1", n)
		}
		if n := reveal(a, pvPass); n != 0 {
			t.Fatalf("second read opened %d data keys, want 0 (cached)", n)
		}
		for _, w := range []who{{vault.DefaultTenant, "v"}, {"other", "u"}} {
			if n := reveal(w, pvPass); n != 1 {
				t.Fatalf("%v's first read opened %d data keys: another user's or tenant's cache served it", w, n)
			}
		}
		// An attacker who can rewrite records (a holder of the tenant's data
		// key) hands u's entry, whose data key u's read just cached, to v:
		// v's read must still fail to open it, not be served from u's cache.
		rec, err := pcivault.EntryRecords.ByKey(ctx, svc, a.tenant, stored[a].Token+":r")
		if err != nil {
			t.Fatal(err)
		}
		vrec, err := pcivault.UserRecords.ByKey(ctx, svc, a.tenant, "v")
		if err != nil {
			t.Fatal(err)
		}
		rec.Value.UserID, rec.Value.User = vrec.ID, "v"
		if rec, err = pcivault.EntryRecords.Update(ctx, svc, rec); err != nil {
			t.Fatal(err)
		}
		if _, data, err := p.RevealEntry(ctx, a.tenant, "v", pvPass, stored[a].Token, "r"); err == nil {
			t.Fatalf("v read u's entry through the cache: %s", data)
		}
		urec, err := pcivault.UserRecords.ByKey(ctx, svc, a.tenant, "u")
		if err != nil {
			t.Fatal(err)
		}
		rec.Value.UserID, rec.Value.User = urec.ID, "u"
		if _, err := pcivault.EntryRecords.Update(ctx, svc, rec); err != nil {
			t.Fatal(err)
		}
		// A wrong passphrase is refused before any key is looked up.
		if _, _, err := p.RevealEntry(ctx, a.tenant, a.user, "not the passphrase at all!", stored[a].Token, "r"); vault.CodeOf(err) != vault.CodeUnauthorized {
			t.Fatalf("wrong passphrase: %v", err)
		}
		// A new passphrase is a new unlock: nothing cached under the old one serves it.
		if err := p.ChangePassphrase(ctx, a.tenant, a.user, pvPass, pvPass+" changed"); err != nil {
			t.Fatal(err)
		}
		if n := reveal(a, pvPass+" changed"); n != 1 {
			t.Fatalf("read after a passphrase change opened %d data keys, want 1", n)
		}
		if c := pcivault.CachedDataKeys(p); c > 3 {
			t.Fatalf("%d data keys cached, bound 3", c)
		}
		// The unlock window ends: the keys end with it.
		clock.add(time.Minute)
		if n := reveal(a, pvPass+" changed"); n != 1 {
			t.Fatalf("read after the unlock window opened %d data keys, want 1", n)
		}
		if c := pcivault.CachedDataKeys(p); c > 3 {
			t.Fatalf("%d data keys cached, bound 3", c)
		}
		// With the unlock cache off, nothing is kept.
		off := pcivault.New(svc, pcivault.Options{KDF: seal.TestKDFParams, UnlockCacheTTL: -1})
		for range 2 {
			if _, _, err := off.RevealEntry(ctx, a.tenant, a.user, pvPass+" changed", stored[a].Token, "r"); err != nil {
				t.Fatal(err)
			}
		}
		if pcivault.DataKeyOpens(off) != 2 || pcivault.CachedDataKeys(off) != 0 {
			t.Fatalf("unlock cache off: %d opens, %d cached", pcivault.DataKeyOpens(off), pcivault.CachedDataKeys(off))
		}
	})
}

// Concurrent reads with one passphrase and a cold unlock cache run
// Argon2id once, not once each (64 MiB per run with production parameters).
func TestPCIVaultConcurrentUnlocksCoalesce(t *testing.T) {
	pvServices(t, func(t *testing.T, svc *vault.Service) {
		ctx := context.Background()
		p := pcivault.New(svc, pcivault.Options{KDF: seal.TestKDFParams, MaxUnlocks: 1, MaxUnlockWaiters: 1})
		ref := storedCard(t, p)
		// A fresh service: nothing unlocked yet.
		p = pcivault.New(svc, pcivault.Options{KDF: seal.TestKDFParams, MaxUnlocks: 1, MaxUnlockWaiters: 1})
		// The only run slot is taken, so all 16 reads queue up at once; only
		// one may wait for the slot (MaxUnlockWaiters), the others must wait
		// for its run, not fail busy.
		release := pcivault.HoldUnlockSlot(p)
		var wg sync.WaitGroup
		var finished atomic.Int64
		errs := make([]error, 16)
		for i := range errs {
			wg.Go(func() {
				_, _, errs[i] = p.RevealEntry(ctx, vault.DefaultTenant, "u", pvPass, ref.Token, "r")
				finished.Add(1)
			})
		}
		for {
			slot, flight := pcivault.UnlockQueue(p)
			if (slot == 1 && flight == 15) || finished.Load() > 0 {
				break
			}
			runtime.Gosched()
		}
		release()
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("read %d: %v (a waiter beyond MaxUnlockWaiters would be busy without coalescing)", i, err)
			}
		}
		if n := pcivault.UnlockRuns(p); n != 1 {
			t.Fatalf("16 concurrent reads ran Argon2id %d times, want 1", n)
		}
	})
}
