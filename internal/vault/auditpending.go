package vault

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// PendingEvent is an audit event written in the same transaction as the
// write it reports (a stored card), so that the write and its event are
// durable together. The audit log links it into the tenant's hash chain
// later, in its own batches, and deletes it in the transaction that
// appends it. It is a typed record: sealed under the tenant's data key and
// bound to its tenant and id, so a record written by someone without the
// keys fails to open, and one moved to another tenant or id too.
type PendingEvent struct {
	// Actor is the API key id of the caller, or "system".
	Actor  string `json:"actor"`
	Action string `json:"action"`
	// Targets are the ids acted on (the card's id).
	Targets   []string          `json:"targets,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	// At is when the write was made.
	At time.Time `json:"at"`
}

// pendingEvents is the record type of pending audit events.
var pendingEvents = NewRecordType[PendingEvent](KindAuditPending, 1, nil, nil)

// EnablePendingAudit makes the core write the audit event of every card it
// stores (card.create, and card.import for imported cards) as a sealed
// pending record in the card's own transaction. The card.create notice then
// says so (Notice.Audited), and the OnNotice hook must not record it again.
// requestID names the request a context belongs to, for the event; it may
// be nil. Without this call, card writes report their event only through
// OnNotice.
func (s *Service) EnablePendingAudit(requestID func(context.Context) string) {
	if requestID == nil {
		requestID = func(context.Context) string { return "" }
	}
	s.notices.pendingRequestID.Store(&requestID)
}

// pendAudit writes ev as a pending audit event of tenant through tx (the
// transaction of the write it reports) when pending audit is enabled, and
// reports whether it did.
func (s *Service) pendAudit(ctx context.Context, tx Store, tenant string, ev PendingEvent) (bool, error) {
	p, err := s.preparePending(ctx, tenant, ev)
	if err != nil {
		return false, err
	}
	return p.write(ctx, tx)
}

// pendingWrite is a pending audit event sealed and encoded ahead of the
// transaction that writes it: on SQLite every statement of a transaction
// runs in the group committer's serial section, which should do nothing
// else. The zero value writes nothing (pending audit is off).
type pendingWrite struct {
	rec   Record
	value PendingEvent
	// seen, when set, remembers the record for the linker (pendingSeen),
	// so that it need not open it again.
	seen *pendingSeen
}

// preparePending seals ev as a pending audit event of tenant, ready to be
// written in a transaction; the zero pendingWrite when pending audit is off.
func (s *Service) preparePending(ctx context.Context, tenant string, ev PendingEvent) (pendingWrite, error) {
	if s.notices.pendingRequestID.Load() == nil {
		return pendingWrite{}, nil
	}
	tk, err := s.keysFor(ctx, tenant)
	if err != nil {
		return pendingWrite{}, err
	}
	return s.preparePendingWith(ctx, tk, tenant, ev)
}

// preparePendingWith is preparePending under tk, the tenant's keys.
func (s *Service) preparePendingWith(ctx context.Context, tk *tenantKeys, tenant string, ev PendingEvent) (pendingWrite, error) {
	rid := s.notices.pendingRequestID.Load()
	if rid == nil {
		return pendingWrite{}, nil
	}
	if p, ok := PrincipalFrom(ctx); ok && ev.Actor == "" {
		ev.Actor = p.KeyID
	}
	if ev.Actor == "" {
		ev.Actor = "system"
	}
	ev.RequestID = (*rid)(ctx)
	if ev.At.IsZero() {
		ev.At = s.Now()
	}
	r := Stored[PendingEvent]{Tenant: tenant, ID: uuid.Must(uuid.NewV7()).String(), Value: ev,
		Version: 1, CreatedAt: ev.At, UpdatedAt: ev.At}
	rec, err := pendingEvents.encodeWith(tk, &r)
	if err != nil {
		return pendingWrite{}, err
	}
	return pendingWrite{rec: rec, value: ev, seen: &s.notices.pendingSeen}, nil
}

// write stores the prepared event through tx and reports whether there
// was one.
func (p pendingWrite) write(ctx context.Context, tx Store) (bool, error) {
	if p.rec.ID == "" {
		return false, nil
	}
	// A new id and no key: the event may wait for the commit (AtCommit).
	if err := AtCommit(tx).CreateRecord(ctx, p.rec); err != nil {
		return false, fmt.Errorf("write the pending audit event: %w", err)
	}
	return true, nil
}

// remember tells the linker's shortcut (pendingSeen) of the event before
// its transaction runs: the linker may link it in the very group commit
// that stores it, before the writer's goroutine runs again. Call forget
// when the transaction fails.
func (p pendingWrite) remember() {
	if p.rec.ID != "" && p.seen != nil {
		p.seen.add(p.rec, p.value)
	}
}

// forget drops the event of a transaction that failed.
func (p pendingWrite) forget() {
	if p.rec.ID != "" && p.seen != nil {
		p.seen.drop(p.rec.ID)
	}
}

// OpenPendingEvent opens a raw pending audit record read from the store
// (by the audit log, inside its own transaction). A record that fails to
// open was written or altered by someone without the tenant's keys. A
// record this node wrote a moment ago and that reads back byte for byte as
// written is answered from memory (pendingSeen): opening it would give the
// same event.
func (s *Service) OpenPendingEvent(ctx context.Context, r Record) (PendingEvent, error) {
	if ev, ok := s.notices.pendingSeen.take(r); ok {
		return ev, nil
	}
	st, err := pendingEvents.decode(ctx, s, r)
	if err != nil {
		return PendingEvent{}, err
	}
	return st.Value, nil
}
