package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// The states of a delivery.
const (
	// StatePending: not yet delivered; due at NextAt, or leased to a node.
	StatePending = "pending"
	// StateDelivered: an attempt got a 2xx answer.
	StateDelivered = "delivered"
	// StateFailed: every attempt failed; no more are made.
	StateFailed = "failed"
	// StateCancelled: the endpoint was deleted before it was delivered.
	StateCancelled = "cancelled"
)

// The record parents that keep pending deliveries apart from finished ones,
// so that a poll reads only the pending.
const (
	parentPending = "pending"
	parentDone    = "done"
)

// deliveryData is one event due to one endpoint: an outbox row. The whole
// value is sealed, the body included, so a writer to the store can neither
// read nor change what the vault signs; the clear key
// "event id/endpoint id" makes a second copy of one event for one endpoint
// a conflict.
type deliveryData struct {
	EndpointID string          `json:"endpoint_id"`
	EventID    string          `json:"event_id"`
	EventType  string          `json:"event_type"`
	Body       json.RawMessage `json:"body"`
	State      string          `json:"state"`
	Attempts   int             `json:"attempts"`
	NextAt     time.Time       `json:"next_at"`
	// LeaseUntil and LeaseOwner are set while a node attempts it.
	LeaseUntil  time.Time `json:"lease_until,omitzero"`
	LeaseOwner  string    `json:"lease_owner,omitempty"`
	LastStatus  int       `json:"last_status,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

var deliveries = vault.NewRecordType[deliveryData](vault.KindWebhookDelivery, 1,
	func(d *deliveryData) string { return d.EventID + "/" + d.EndpointID },
	func(d *deliveryData) string {
		if d.State == StatePending {
			return parentPending
		}
		return parentDone
	})

// Delivery is an outbox row as the admin API shows it.
type Delivery struct {
	ID          string
	EndpointID  string
	EventID     string
	EventType   string
	State       string
	Attempts    int
	NextAt      time.Time
	LastStatus  int
	LastError   string
	CreatedAt   time.Time
	DeliveredAt time.Time
}

func deliveryOf(r vault.Stored[deliveryData]) Delivery {
	d := r.Value
	out := Delivery{ID: r.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType, State: d.State,
		Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: r.CreatedAt,
		DeliveredAt: d.DeliveredAt}
	if d.State == StatePending {
		out.NextAt = d.NextAt
	}
	return out
}

// Deliveries pages through the deliveries of one of the tenant's
// endpoints, oldest first; after is the last id of the previous page.
func (s *Service) Deliveries(ctx context.Context, tenant, endpointID string, p vault.Page) ([]Delivery, error) {
	if _, err := s.endpoint(ctx, s.v, tenant, endpointID); err != nil {
		return nil, err
	}
	if p.Limit <= 0 || p.Limit > 100 {
		p.Limit = 100
	}
	out := []Delivery{}
	q := vault.Page{After: p.After, Limit: 500}
	for len(out) < p.Limit {
		rs, err := deliveries.List(ctx, s.v, tenant, "", q)
		if err != nil {
			return nil, vault.DomainError(err)
		}
		for _, r := range rs {
			if r.Value.EndpointID == endpointID && len(out) < p.Limit {
				out = append(out, deliveryOf(r))
			}
		}
		if len(rs) < q.Limit {
			break
		}
		q.After = rs[len(rs)-1].ID
	}
	return out, nil
}

// claim takes a due, unleased delivery for this node: a compare-and-set
// on the record's version, so of several nodes claiming one delivery
// exactly one succeeds (ok). Counting the attempt here means a delivery
// whose attempts crash nodes still runs out of attempts.
func (s *Service) claim(ctx context.Context, r vault.Stored[deliveryData], now time.Time) (vault.Stored[deliveryData], bool, error) {
	d := &r.Value
	if d.State != StatePending || d.NextAt.After(now) || d.LeaseUntil.After(now) {
		return r, false, nil
	}
	d.Attempts++
	d.LeaseUntil, d.LeaseOwner = now.Add(s.opts.Lease), s.opts.Owner
	got, err := deliveries.Update(ctx, s.v, r)
	if errors.Is(err, vault.ErrConflict) || errors.Is(err, vault.ErrNotFound) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	return got, true, nil
}

// finish records an attempt's outcome on a delivery this node claimed.
// status is the answer's status (0: none); reason a safe description of a
// failure. A conflict means the lease ran out and another node took the
// delivery over: its outcome wins, and this one is dropped.
func (s *Service) finish(ctx context.Context, r vault.Stored[deliveryData], status int, reason string) error {
	now := s.v.Now()
	d := &r.Value
	d.LeaseUntil, d.LeaseOwner = time.Time{}, ""
	d.LastStatus, d.LastError = status, reason
	switch {
	case reason == "" && status >= 200 && status < 300:
		d.State, d.DeliveredAt = StateDelivered, now
	case reason == errGone:
		d.State = StateCancelled
	case d.Attempts >= s.opts.MaxAttempts:
		d.State = StateFailed
	default:
		d.NextAt = now.Add(s.backoff(d.Attempts))
	}
	if d.State != StatePending {
		r.ExpiresAt = now.Add(s.opts.Retention)
	}
	_, err := deliveries.Update(ctx, s.v, r)
	if errors.Is(err, vault.ErrConflict) || errors.Is(err, vault.ErrNotFound) {
		s.log.WarnContext(ctx, "webhook delivery taken over by another node after its lease ran out",
			"delivery", r.ID, "event", d.EventID)
		return nil
	}
	if err == nil && s.opts.Observe != nil && d.State != StateCancelled {
		s.opts.Observe(outcomeOf(d.State))
	}
	return err
}

// outcomeOf names an attempt's outcome by the state it left.
func outcomeOf(state string) string {
	switch state {
	case StateDelivered:
		return "delivered"
	case StateFailed:
		return "gave_up"
	}
	return "retry"
}

// backoff is the wait after the nth failed attempt: Backoff doubled per
// attempt, capped at MaxBackoff, less up to a fifth at random so that
// deliveries failing together spread out.
func (s *Service) backoff(n int) time.Duration {
	d := s.opts.Backoff
	for i := 1; i < n && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.opts.MaxBackoff)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}
