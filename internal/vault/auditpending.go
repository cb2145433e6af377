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
	rid := s.notices.pendingRequestID.Load()
	if rid == nil {
		return false, nil
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
	rec, err := pendingEvents.encode(ctx, s, &r)
	if err != nil {
		return false, err
	}
	// A new id and no key: the event may wait for the commit (AtCommit).
	if err := AtCommit(tx).CreateRecord(ctx, rec); err != nil {
		return false, fmt.Errorf("write the pending audit event: %w", err)
	}
	return true, nil
}

// OpenPendingEvent opens a raw pending audit record read from the store
// (by the audit log, inside its own transaction). A record that fails to
// open was written or altered by someone without the tenant's keys.
func (s *Service) OpenPendingEvent(ctx context.Context, r Record) (PendingEvent, error) {
	st, err := pendingEvents.decode(ctx, s, r)
	if err != nil {
		return PendingEvent{}, err
	}
	return st.Value, nil
}
