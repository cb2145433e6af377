package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// cardCheckDelay is how long before a verification starts a card must have
// been stored for Verify to require its event: a card's transaction may
// still be committing when the pending events are listed.
const cardCheckDelay = time.Minute

// pendingCheck is what Verify gathers about a tenant's pending events: the
// unlinked ones (listed before the chain is walked, so that an event linked
// meanwhile is seen in one place or the other), the pending ids the chain
// linked, and the cards the chain's and the pending events name.
type pendingCheck struct {
	start     time.Time
	since     time.Time // when pending events began; zero without the marker
	marked    bool
	unlinked  []vault.Record
	events    map[string]vault.PendingEvent
	linked    map[string]bool
	anyLinked bool
	covered   map[string]bool
}

// audited are the actions whose first target is a stored card.
var audited = []string{vault.ActionCardCreate, vault.ActionCardImport}

// startPendingCheck reads the marker and lists the tenant's unlinked
// pending events, opening each: one that fails to open was forged or
// altered.
func (l *Log) startPendingCheck(ctx context.Context, tenant string) (*pendingCheck, error) {
	pc := &pendingCheck{start: l.now().UTC(), events: map[string]vault.PendingEvent{}, linked: map[string]bool{},
		covered: map[string]bool{}}
	var err error
	if pc.since, pc.marked, err = l.readMarker(ctx); err != nil {
		return nil, err
	}
	for after := ""; ; {
		page, err := l.store.ListRecords(ctx, vault.RecordQuery{Tenant: tenant, Kind: vault.KindAuditPending,
			Page: vault.Page{After: after, Limit: 500}}, time.Time{})
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			pe, err := l.pend.OpenPendingEvent(ctx, r)
			if err != nil || r.Tenant != tenant {
				return nil, fmt.Errorf("%w: pending audit event %s fails its integrity check (forged or altered in the store)",
					ErrTampered, r.ID)
			}
			pc.unlinked = append(pc.unlinked, r)
			pc.events[r.ID] = pe
			pc.cover(pe.Action, pe.Targets)
			after = r.ID
		}
		if len(page) < 500 {
			return pc, nil
		}
	}
}

// markerSkew is how far the clocks of the nodes that write pending events
// and the one that wrote the marker may disagree.
const markerSkew = time.Minute

// seen takes in one verified entry of the chain.
func (pc *pendingCheck) seen(e Entry) error {
	if e.Pending != "" {
		if pc.linked[e.Pending] {
			return fmt.Errorf("%w: pending audit event %s was linked twice (entry %d; a replayed pending record)",
				ErrTampered, e.Pending, e.Seq)
		}
		pc.linked[e.Pending], pc.anyLinked = true, true
		if pc.marked && e.OccurredAt.Before(pc.since.Add(-markerSkew)) {
			// The marker is written before the first pending event: one
			// that is younger than an event the chain links was deleted
			// and written again, which would hide the cards stored before
			// it whose events were deleted too.
			return fmt.Errorf("%w: the marker of when pending audit events began (%s) is younger than pending event %s "+
				"it links (entry %d, %s): the marker was deleted and written again",
				ErrTampered, pc.since.Format(time.RFC3339), e.Pending, e.Seq, e.OccurredAt.Format(time.RFC3339))
		}
	}
	if pc.marked && !e.At.Before(pc.since) {
		pc.cover(e.Action, e.Targets)
	}
	return nil
}

// cover notes the card an audited action names, as the chain holds it:
// passed through card.MaskPANs (masked), which rewrites the rare card id
// whose digits pass for a card number.
func (pc *pendingCheck) cover(action string, targets []string) {
	if slices.Contains(audited, action) && len(targets) > 0 {
		pc.covered[card.MaskPANs(targets[0])] = true
	}
}

// finishPendingCheck reports, after the chain verified: the marker gone
// while the chain holds linked pending events; a pending record both
// linked and still there (replayed); a live card stored since the marker
// (and at least cardCheckDelay before the check) with no event in the
// chain nor pending (its pending event was deleted before it was linked);
// and, last, pending events older than the stale bound.
func (l *Log) finishPendingCheck(ctx context.Context, tenant string, pc *pendingCheck) error {
	if !pc.marked && pc.anyLinked {
		return fmt.Errorf("%w: the marker of when pending audit events began is gone, though the chain links some", ErrTampered)
	}
	var stale int
	var oldest time.Time
	for _, r := range pc.unlinked {
		if pc.linked[r.ID] {
			// Listed before the walk and linked since, or replayed: only a
			// record still there after its entry was read is a replay.
			_, err := l.store.GetRecord(ctx, vault.KindAuditPending, r.ID, time.Time{})
			if err == nil {
				return fmt.Errorf("%w: pending audit event %s is both linked and pending (a replayed pending record)", ErrTampered, r.ID)
			}
			if !errors.Is(err, vault.ErrNotFound) {
				return err
			}
			continue
		}
		if at := pc.events[r.ID].At; at.Before(pc.start.Add(-l.staleAfter)) {
			stale++
			if oldest.IsZero() || at.Before(oldest) {
				oldest = at
			}
		}
	}
	if pc.marked {
		if err := l.checkCards(ctx, tenant, pc); err != nil {
			return err
		}
	}
	if stale > 0 {
		return fmt.Errorf("%w: %d pending events of tenant %q, the oldest from %s, unlinked for more than %s "+
			"(start the vault to link them; if it runs, its log says why it cannot)",
			ErrUnlinked, stale, tenant, oldest.Format(time.RFC3339), l.staleAfter)
	}
	return nil
}

// checkCards finds a live card of the tenant stored since the marker (and
// before start less cardCheckDelay) whose event is neither in the chain nor
// pending.
func (l *Log) checkCards(ctx context.Context, tenant string, pc *pendingCheck) error {
	until := pc.start.Add(-cardCheckDelay)
	for after := ""; ; {
		page, err := l.store.ListCards(ctx, tenant, vault.Page{After: after, Limit: 500}, time.Time{})
		if err != nil {
			return err
		}
		for _, c := range page {
			after = c.ID
			if c.CreatedAt.Before(pc.since) || !c.CreatedAt.Before(until) || pc.covered[card.MaskPANs(c.ID)] {
				continue
			}
			return fmt.Errorf("%w: card %s, stored %s, has no audit event, linked or pending "+
				"(its pending event was deleted before it was linked)", ErrTampered, c.ID, c.CreatedAt.Format(time.RFC3339))
		}
		if len(page) < 500 {
			return nil
		}
	}
}
