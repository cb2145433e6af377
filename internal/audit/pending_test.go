package audit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/tamper"
	"github.com/cardvault/cardvault/internal/vault"
)

// eachBackend runs fn against SQLite and, when CARDVAULT_TEST_DATABASE_URL
// is set, PostgreSQL; open gives a fresh, empty store each call.
func eachBackend(t *testing.T, fn func(t *testing.T, open func(t *testing.T) vault.Store)) {
	for _, b := range tamper.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, func(t *testing.T) vault.Store { return b.Open(t).Store })
		})
	}
}

// clock is a settable clock shared by the vault and the log.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// pendingFixture is a vault that writes pending card events and a log that
// links them, on one store and clock.
type pendingFixture struct {
	st    vault.Store
	svc   *vault.Service
	log   *audit.Log
	clock *clock
}

func newPendingFixture(t testing.TB, st vault.Store) *pendingFixture {
	t.Helper()
	ctx := context.Background()
	f := &pendingFixture{st: st, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}}
	keys, err := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = vault.New(st, keys, vault.Options{Now: f.clock.Now})
	if err := f.svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	f.log = audit.New(f.svc.Store(), f.svc.MAC, f.svc.Keyring(), f.clock.Now).WithPending(f.svc, 0, func(err error) { t.Log(err) })
	if err := f.log.StartPending(ctx); err != nil {
		t.Fatal(err)
	}
	f.svc.EnablePendingAudit(func(context.Context) string { return "req-1" })
	return f
}

// card stores a card of the default tenant.
func (f *pendingFixture) card(t *testing.T) string {
	t.Helper()
	pan, err := card.ParsePAN("4111111111111111")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.CreateCard(t.Context(), vault.DefaultTenant, vault.CardInput{PAN: pan})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// pending lists the raw pending records of the default tenant.
func (f *pendingFixture) pending(t *testing.T) []vault.Record {
	t.Helper()
	recs, err := f.st.ListRecords(t.Context(), vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindAuditPending,
		Page: vault.Page{Limit: 1000}}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// entries reads the default tenant's chain.
func (f *pendingFixture) entries(t *testing.T) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	if err := f.log.Each(t.Context(), vault.DefaultTenant, func(e audit.Entry) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// A stored card's event is in the store when CreateCard returns, before
// anything links it; a card whose transaction rolls back leaves no event.
// Linking moves it into the chain, in order, and deletes the pending record.
func TestCardAndItsEventAreStoredTogether(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newPendingFixture(t, open(t))
		ctx := t.Context()
		var ids []string
		for range 5 {
			ids = append(ids, f.card(t))
		}
		recs := f.pending(t)
		if len(recs) != 5 {
			t.Fatalf("%d pending events after 5 cards, want 5", len(recs))
		}
		for i, r := range recs {
			pe, err := f.svc.OpenPendingEvent(ctx, r)
			if err != nil || pe.Action != vault.ActionCardCreate || len(pe.Targets) != 1 || pe.Targets[0] != ids[i] ||
				pe.Actor != "system" || pe.RequestID != "req-1" {
				t.Fatalf("pending event %d = %+v, %v; want card.create of %s", i, pe, err, ids[i])
			}
		}
		if strings.Contains(string(recs[0].Data), ids[0]) {
			t.Fatal("a pending event is stored in the clear")
		}

		// A caller's transaction that fails takes the card and its event with it.
		pan, _ := card.ParsePAN("4242424242424242")
		boom := errors.New("boom")
		err := f.svc.Tx(ctx, func(tx *vault.Service) error {
			if _, err := tx.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: pan}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := len(f.pending(t)); n != 5 {
			t.Fatalf("%d pending events after a rolled-back card, want 5", n)
		}

		// A directly recorded event and the pending ones share the chain.
		if err := f.log.Record(ctx, audit.Event{Tenant: vault.DefaultTenant, Actor: "k", Action: "card.reveal", Targets: ids[:1]}); err != nil {
			t.Fatal(err)
		}
		if err := f.log.LinkNow(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(f.pending(t)); n != 0 {
			t.Fatalf("%d pending events left after linking", n)
		}
		es := f.entries(t)
		if len(es) != 6 || es[0].Action != "card.reveal" {
			t.Fatalf("chain of %d entries, first %q; want the reveal then 5 card.create", len(es), es[0].Action)
		}
		for i, e := range es[1:] {
			if e.Action != vault.ActionCardCreate || e.Targets[0] != card.MaskPANs(ids[i]) || e.Pending != recs[i].ID || e.OccurredAt.IsZero() {
				t.Fatalf("entry %d = %+v; want card.create of %s linked from %s", e.Seq, e, ids[i], recs[i].ID)
			}
		}
		if n, err := f.log.Verify(ctx, vault.DefaultTenant); err != nil || n != 6 {
			t.Fatalf("verify: %d %v", n, err)
		}
		// Linking again finds nothing to do.
		if err := f.log.LinkNow(ctx); err != nil || len(f.entries(t)) != 6 {
			t.Fatalf("a second link changed the chain: %v", err)
		}
	})
}

// Link signals the background batches: events get linked without a caller
// waiting, and many linked at once land in order with no gap.
func TestLinkInTheBackground(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newPendingFixture(t, open(t))
		var ids []string
		for range 300 { // more than one batch
			ids = append(ids, f.card(t))
		}
		f.log.Link(vault.DefaultTenant)
		for deadline := time.Now().Add(30 * time.Second); len(f.pending(t)) > 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d pending events still unlinked", len(f.pending(t)))
			}
		}
		es := f.entries(t)
		if len(es) != 300 {
			t.Fatalf("%d entries, want 300", len(es))
		}
		for i, e := range es {
			if e.Targets[0] != card.MaskPANs(ids[i]) {
				t.Fatalf("entry %d names card %s, want %s (out of order)", e.Seq, e.Targets[0], ids[i])
			}
		}
		if _, err := f.log.Verify(t.Context(), vault.DefaultTenant); err != nil {
			t.Fatal(err)
		}
	})
}

// What someone who can write the database does to pending events is found.
func TestVerifyFindsTamperedPendingEvents(t *testing.T) {
	cases := map[string]struct {
		tamper func(t *testing.T, f *pendingFixture)
		want   error
		says   string
	}{
		"forged pending event": {func(t *testing.T, f *pendingFixture) {
			now := f.clock.Now()
			if err := f.st.CreateRecord(t.Context(), vault.Record{Tenant: vault.DefaultTenant, Kind: vault.KindAuditPending,
				ID: "0190c0de-0000-7000-8000-000000000000", Data: []byte(`{"v":1,"sealed":"AAAA"}`), Version: 1,
				CreatedAt: now, UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
		}, audit.ErrTampered, "fails its integrity check"},
		"altered pending event": {func(t *testing.T, f *pendingFixture) {
			f.card(t)
			r := f.pending(t)[0]
			n := r
			n.Data = []byte(strings.Replace(string(r.Data), `"sealed":"A`, `"sealed":"B`, 1))
			if string(n.Data) == string(r.Data) {
				n.Data = []byte(strings.Replace(string(r.Data), `"sealed":"`, `"sealed":"AA`, 1))
			}
			if err := f.st.ResealRecord(t.Context(), n, r); err != nil {
				t.Fatal(err)
			}
		}, audit.ErrTampered, "fails its integrity check"},
		"pending event moved to another tenant": {func(t *testing.T, f *pendingFixture) {
			f.card(t)
			r := f.pending(t)[0]
			if err := f.st.DeleteRecord(t.Context(), r.Tenant, r.Kind, r.ID); err != nil {
				t.Fatal(err)
			}
			r.Tenant = "other"
			if _, err := f.svc.CreateTenant(t.Context(), "other", "Other"); err != nil {
				t.Fatal(err)
			}
			if err := f.st.CreateRecord(t.Context(), r); err != nil {
				t.Fatal(err)
			}
			if _, err := f.log.Verify(t.Context(), "other"); !errors.Is(err, audit.ErrTampered) {
				t.Fatalf("the moved event verified in its new tenant: %v", err)
			}
		}, audit.ErrTampered, "has no audit event"},
		"pending event deleted before it was linked": {func(t *testing.T, f *pendingFixture) {
			f.card(t)
			r := f.pending(t)[0]
			if err := f.st.DeleteRecord(t.Context(), r.Tenant, r.Kind, r.ID); err != nil {
				t.Fatal(err)
			}
		}, audit.ErrTampered, "has no audit event"},
		"pending event replayed after it was linked": {func(t *testing.T, f *pendingFixture) {
			f.card(t)
			r := f.pending(t)[0]
			if err := f.log.LinkNow(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := f.st.CreateRecord(t.Context(), r); err != nil {
				t.Fatal(err)
			}
		}, audit.ErrTampered, "both linked and pending"},
		"replayed pending event linked again": {func(t *testing.T, f *pendingFixture) {
			f.card(t)
			r := f.pending(t)[0]
			if err := f.log.LinkNow(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := f.st.CreateRecord(t.Context(), r); err != nil {
				t.Fatal(err)
			}
			if err := f.log.LinkNow(t.Context()); err != nil {
				t.Fatal(err)
			}
		}, audit.ErrTampered, "linked twice"},
		"marker of when pending events began altered": {func(t *testing.T, f *pendingFixture) {
			f.card(t)
			old, err := f.st.GetMeta(t.Context(), "audit_pending_since")
			if err != nil {
				t.Fatal(err)
			}
			if err := f.st.ReplaceMeta(t.Context(), "audit_pending_since", old,
				[]byte(`{"since":"2099-01-01T00:00:00Z","mac":"AAAA"}`)); err != nil {
				t.Fatal(err)
			}
		}, audit.ErrTampered, "marker"},
		"pending event never linked (vault down)": {func(t *testing.T, f *pendingFixture) {
			f.card(t)
			f.clock.Advance(audit.DefaultStaleAfter + time.Minute)
		}, audit.ErrUnlinked, "unlinked for more than"},
	}
	eachBackend(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newPendingFixture(t, open(t))
		// A whole log first: linked cards, a pending one, and one so new
		// that its event may still be committing.
		f.card(t)
		if err := f.log.LinkNow(t.Context()); err != nil {
			t.Fatal(err)
		}
		f.card(t)
		if _, err := f.log.Verify(t.Context(), vault.DefaultTenant); err != nil {
			t.Fatalf("an untouched log fails: %v", err)
		}
		if err := f.log.LinkNow(t.Context()); err != nil {
			t.Fatal(err)
		}
		for name, c := range cases {
			t.Run(name, func(t *testing.T) {
				f := newPendingFixture(t, open(t))
				f.card(t)
				if err := f.log.LinkNow(t.Context()); err != nil {
					t.Fatal(err)
				}
				c.tamper(t, f)
				f.clock.Advance(2 * time.Minute) // past the delay a new card gets
				_, err := f.log.Verify(t.Context(), vault.DefaultTenant)
				if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
					t.Fatalf("verify: %v; want %v saying %q", err, c.want, c.says)
				}
			})
		}
	})
}

// A tenant whose only card lost its pending event has no chain at all;
// VerifyAll still checks it.
func TestVerifyAllChecksTenantsWithoutAChain(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newPendingFixture(t, open(t))
		ctx := t.Context()
		if _, err := f.svc.CreateTenant(ctx, "shop", "Shop"); err != nil {
			t.Fatal(err)
		}
		pan, _ := card.ParsePAN("4111111111111111")
		if _, err := f.svc.CreateCard(ctx, "shop", vault.CardInput{PAN: pan}); err != nil {
			t.Fatal(err)
		}
		recs, err := f.st.ListRecords(ctx, vault.RecordQuery{Tenant: "shop", Kind: vault.KindAuditPending}, time.Time{})
		if err != nil || len(recs) != 1 {
			t.Fatalf("%d pending events of shop, %v", len(recs), err)
		}
		if err := f.st.DeleteRecord(ctx, "shop", vault.KindAuditPending, recs[0].ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(2 * time.Minute)
		res, err := f.log.VerifyAll(ctx, vault.DefaultTenant)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Tenant == "shop" {
				if !errors.Is(r.Err, audit.ErrTampered) {
					t.Fatalf("shop: %v, want tampering found", r.Err)
				}
				return
			}
		}
		t.Fatalf("VerifyAll did not check shop: %+v", res)
	})
}

// Someone who can write the database deletes a card's pending event, then
// the marker of when pending events began, and lets a restart write a new,
// genuine marker: the cards stored before it would no longer be checked.
// The chain gives it away: it links pending events older than the marker.
func TestVerifyFindsAMarkerWrittenAgain(t *testing.T) {
	for _, b := range tamper.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			f := newPendingFixture(t, db.Store)
			f.card(t)
			if err := f.log.LinkNow(t.Context()); err != nil {
				t.Fatal(err)
			}
			f.card(t)
			r := f.pending(t)[0]
			if err := f.st.DeleteRecord(t.Context(), r.Tenant, r.Kind, r.ID); err != nil {
				t.Fatal(err)
			}
			if n := db.Exec(t, `DELETE FROM meta WHERE key = ?`, "audit_pending_since"); n != 1 {
				t.Fatalf("deleted %d markers", n)
			}
			f.clock.Advance(10 * time.Minute)
			if err := f.log.StartPending(t.Context()); err != nil { // the restart writes a new marker
				t.Fatal(err)
			}
			_, err := f.log.Verify(t.Context(), vault.DefaultTenant)
			if !errors.Is(err, audit.ErrTampered) || !strings.Contains(err.Error(), "marker was deleted and written again") {
				t.Fatalf("verify: %v; want the marker written again found", err)
			}
		})
	}
}
