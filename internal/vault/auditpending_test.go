package vault_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// pendingOf stores a card with pending audit on and returns its id and the
// raw pending record its transaction wrote.
func pendingOf(t *testing.T, svc *vault.Service, store vault.Store) (string, vault.Record) {
	t.Helper()
	ctx := context.Background()
	svc.EnablePendingAudit(func(context.Context) string { return "req-7" })
	c, err := svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(t, "4111111111111111")})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindAuditPending,
		Page: vault.Page{Limit: 10}}, time.Time{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("pending records after one card: %d, %v; want 1", len(recs), err)
	}
	return c.ID, recs[0]
}

func TestPendingEventOfACardOpens(t *testing.T) {
	svc, store, _ := newService(t)
	id, rec := pendingOf(t, svc, store)
	for i := range 2 { // the second open is after the node forgot it: from the store alone
		ev, err := svc.OpenPendingEvent(context.Background(), rec)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if ev.Action != vault.ActionCardCreate || !slices.Equal(ev.Targets, []string{id}) || ev.RequestID != "req-7" ||
			ev.Actor != "system" || !ev.At.Equal(vaulttest.CoreEpoch) {
			t.Fatalf("open %d: %+v, want card.create of %s by system, req-7, at %v", i, ev, id, vaulttest.CoreEpoch)
		}
	}
}

// A pending record altered in the store fails to open even though the node
// that wrote it still remembers the event (the shortcut answers only for
// the record exactly as written), and the original still opens afterwards.
func TestAlteredPendingEventFailsToOpen(t *testing.T) {
	ctx := context.Background()
	for name, alter := range map[string]func(*vault.Record){
		"data":    func(r *vault.Record) { r.Data = slices.Clone(r.Data); r.Data[len(r.Data)/2] ^= 1 },
		"tenant":  func(r *vault.Record) { r.Tenant = "other" },
		"key":     func(r *vault.Record) { r.Key = "k" },
		"parent":  func(r *vault.Record) { r.Parent = "p" },
		"expires": func(r *vault.Record) { r.ExpiresAt = vaulttest.CoreEpoch.Add(time.Hour) },
	} {
		t.Run(name, func(t *testing.T) {
			svc, store, _ := newService(t)
			_, rec := pendingOf(t, svc, store)
			bad := rec
			alter(&bad)
			if ev, err := svc.OpenPendingEvent(ctx, bad); err == nil {
				t.Fatalf("a pending record with its %s altered opened: %+v", name, ev)
			}
			if _, err := svc.OpenPendingEvent(ctx, rec); err != nil {
				t.Fatalf("the record as written: %v", err)
			}
		})
	}
}
