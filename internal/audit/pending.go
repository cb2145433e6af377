package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// Pending events. The core writes the audit event of a stored card as a
// sealed pending record (vault.KindAuditPending) in the card's own
// transaction, so that the card and its event are durable together in one
// commit that takes no chain lock. The log links pending records into the
// tenant's chain in its own batches, oldest first, deleting each in the
// transaction that appends it: a record is either pending or linked, never
// both, never neither. Pending records left by a crash are linked when a
// node starts, and by every node's periodic sweep.
//
// What someone who can write the database can do with them (docs/security.md):
//   - forge or alter one: it fails to open (sealed under the tenant's data
//     key, bound to tenant and id); the linker leaves it and Verify reports it.
//   - replay a linked one: Verify finds the same pending id linked twice.
//   - delete one before it is linked: Verify finds the card it reports
//     stored with no event (every live card stored since pending events began,
//     per the MACed marker, must have its event in the chain or pending).
//   - keep the vault from linking (delete nothing, stop the linker): Verify
//     reports pending events older than the stale bound.

// PendingSource opens pending audit records; *vault.Service is one.
type PendingSource interface {
	OpenPendingEvent(ctx context.Context, r vault.Record) (vault.PendingEvent, error)
}

// DefaultStaleAfter is how old an unlinked pending event may be before
// Verify reports it: far above the linker's sweep interval, so that only a
// vault that is down or cannot link reaches it.
const DefaultStaleAfter = 10 * time.Minute

// ErrUnlinked marks pending events that stayed unlinked longer than the
// stale bound: the vault was down (start it, and they are linked), or
// something keeps it from linking them.
var ErrUnlinked = errors.New("audit: pending audit events were not linked into the chain in time")

// WithPending makes the log link the pending events src opens, and check
// them in Verify, reporting those older than staleAfter (DefaultStaleAfter
// when zero). onErr, when not nil, hears about pending events that could
// not be linked (a record that fails to open, a failed batch); they stay
// for the next sweep and for Verify. It returns l.
func (l *Log) WithPending(src PendingSource, staleAfter time.Duration, onErr func(error)) *Log {
	if staleAfter <= 0 {
		staleAfter = DefaultStaleAfter
	}
	if onErr == nil {
		onErr = func(error) {}
	}
	l.pend, l.staleAfter, l.onErr = src, staleAfter, onErr
	return l
}

// Link asks for the pending events of tenant to be linked in the next
// batch, without waiting for it.
func (l *Log) Link(tenant string) {
	if l.pend == nil {
		return
	}
	l.mu.Lock()
	l.links[tenant] = true
	l.startFlush()
	l.mu.Unlock()
}

// LinkAll asks for the pending events of every tenant to be linked.
func (l *Log) LinkAll(ctx context.Context) error {
	return vault.EachTenant(ctx, l.store, func(t vault.Tenant) error {
		l.Link(t.ID)
		return nil
	})
}

// LinkNow links every tenant's pending events and returns once they are
// (those that fail to open stay), for a node that stops and for commands.
func (l *Log) LinkNow(ctx context.Context) error {
	if l.pend == nil {
		return nil
	}
	var errs []error
	err := vault.EachTenant(ctx, l.store, func(t vault.Tenant) error {
		for more := true; more && ctx.Err() == nil; {
			m, err := l.commit(nil, []string{t.ID})
			if err != nil {
				errs = append(errs, fmt.Errorf("tenant %q: %w", t.ID, err))
			}
			more = len(m) > 0
		}
		return nil
	})
	if err != nil {
		return err
	}
	return errors.Join(append(errs, ctx.Err())...)
}

// StartPending records, once for the whole vault, when pending events
// began (the marker Verify checks cards against), then links the pending
// events every tenant has (left by a crash, or written by a command) and
// returns once they are. A tenant whose events cannot be linked (its chain
// fails its checks, say) does not stop the others: onErr hears of it, and
// the sweep tries again. Call it before the core writes pending events
// (vault.EnablePendingAudit).
func (l *Log) StartPending(ctx context.Context) error {
	if err := l.MarkPending(ctx); err != nil {
		return err
	}
	if err := l.LinkNow(ctx); err != nil {
		l.onErr(err)
	}
	return nil
}

// RunLinker links every tenant's pending events every interval until ctx
// ends: what a node that crashed after a card's commit, or a request whose
// transaction was joined by a caller's, left behind.
func (l *Log) RunLinker(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.LinkAll(ctx); err != nil && ctx.Err() == nil {
				l.onErr(fmt.Errorf("list tenants to link pending audit events: %w", err))
			}
		}
	}
}

// reportLink tells onErr that linking the pending events of tenant failed.
func (l *Log) reportLink(tenant string, err error) {
	if err != nil {
		l.onErr(fmt.Errorf("link the pending audit events of tenant %q: %w", tenant, err))
	}
}

// linkPending appends up to maxBatch of the tenant's pending events to its
// chain, oldest first (their ids are time-ordered), deleting them in the
// same transaction (one statement on PostgreSQL), and reports whether more
// may wait. A record that fails
// to open is left where it is for Verify, and skipped from then on.
func (l *Log) linkPending(ctx context.Context, b *txBatch, tenant string) (bool, error) {
	var linked []string
	for after := ""; ; {
		page, err := b.tx.ListRecords(ctx, vault.RecordQuery{Tenant: tenant, Kind: vault.KindAuditPending,
			Page: vault.Page{After: after, Limit: maxBatch}}, time.Time{})
		if err != nil {
			return false, err
		}
		for _, r := range page {
			after = r.ID
			if r.Tenant != tenant || r.Kind != vault.KindAuditPending {
				return false, fmt.Errorf("audit: the pending list answered a record outside its query")
			}
			if l.isBad(r.ID) {
				continue
			}
			pe, err := l.pend.OpenPendingEvent(ctx, r)
			if err != nil {
				l.markBad(r.ID)
				l.onErr(fmt.Errorf("%w: pending audit event %s of tenant %q fails to open, left for `cardvault audit verify`: %v",
					ErrTampered, r.ID, tenant, err))
				continue
			}
			ev, err := prepare(Event{Tenant: tenant, Actor: pe.Actor, Action: pe.Action, Targets: pe.Targets,
				Detail: pe.Detail, RequestID: pe.RequestID})
			if err != nil {
				return false, err
			}
			if err := l.append(ctx, b, ev, Entry{Pending: r.ID, OccurredAt: pe.At.UTC()}); err != nil {
				return false, err
			}
			if linked = append(linked, r.ID); len(linked) == maxBatch {
				return true, l.deleteLinked(ctx, b, tenant, linked)
			}
		}
		if len(page) < maxBatch {
			return false, l.deleteLinked(ctx, b, tenant, linked)
		}
	}
}

// deleteLinked deletes the pending records a batch linked, in one
// statement where the store can (held for the COMMIT on PostgreSQL, which
// then fails the batch itself when one is gone: heldwrites.go). One
// already gone was linked by another node meanwhile: the batch is retried.
func (l *Log) deleteLinked(ctx context.Context, b *txBatch, tenant string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	n, err := vault.DeleteRecordIDs(ctx, b.held, tenant, vault.KindAuditPending, ids)
	if err != nil {
		return err
	}
	if n != len(ids) {
		return fmt.Errorf("audit: %d of %d pending events linked elsewhere meanwhile: %w", len(ids)-n, len(ids), vault.ErrConflict)
	}
	return nil
}

// isBad reports whether a pending record failed to open before.
func (l *Log) isBad(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bad[id]
}

// markBad remembers a pending record that fails to open.
func (l *Log) markBad(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.bad) < 100_000 {
		l.bad[id] = true
	}
}

// The marker records, vault-wide and once, when pending events began; its
// MAC (under a key derived from the master key) keeps it from being moved
// later to hide cards stored before. Verify checks that every live card
// stored since has its event.
const (
	markerKey    = "audit_pending_since"
	markerDomain = "audit-pending-since/v1"
)

// marker is the stored form of the marker.
type marker struct {
	Since time.Time `json:"since"`
	MAC   []byte    `json:"mac"`
}

// markerMessage is what the marker's MAC covers.
func markerMessage(since time.Time) []byte { return []byte(since.UTC().Format(time.RFC3339Nano)) }

// MarkPending stores the marker of when pending events began, unless one
// exists. StartPending calls it; a command that writes pending events
// without serving (cardvault import) calls it before its first write, so
// that every pending event is younger than the marker.
func (l *Log) MarkPending(ctx context.Context) error {
	since := l.now().UTC().Truncate(time.Microsecond)
	data, err := json.Marshal(marker{Since: since, MAC: l.keys.MAC(markerDomain, markerMessage(since))})
	if err != nil {
		return err
	}
	if err := l.store.InsertMeta(ctx, markerKey, data); err != nil && !errors.Is(err, vault.ErrConflict) {
		return fmt.Errorf("record when pending audit events began: %w", err)
	}
	return nil
}

// readMarker returns when pending events began, or ok false when the
// marker was never written (or was deleted: Verify tells the two apart).
func (l *Log) readMarker(ctx context.Context) (since time.Time, ok bool, err error) {
	raw, err := l.store.GetMeta(ctx, markerKey)
	if errors.Is(err, vault.ErrNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	var m marker
	if err := json.Unmarshal(raw, &m); err != nil || !l.keys.VerifyMAC(markerDomain, markerMessage(m.Since), m.MAC) {
		return time.Time{}, false, fmt.Errorf("%w: the marker of when pending audit events began fails its integrity check", ErrTampered)
	}
	return m.Since, true, nil
}
