package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault"
)

// Event is what an endpoint receives, as the JSON body of a POST.
type Event struct {
	// ID is the same in every attempt and on every node: de-duplicate on it.
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	// Tenant is the tenant the event belongs to.
	Tenant string `json:"tenant"`
	// Data names what changed, by id (never card data), with the detail
	// the event type defines.
	Data map[string]string `json:"data"`
}

// FromNotice turns a core notice into the event it announces, if any:
// security codes that expired and network-token lifecycle changes.
// Everything else (card.create, key.suspended, …) is not a webhook event.
func FromNotice(n vault.Notice) (Event, bool) {
	var data map[string]string
	switch {
	case n.Action == vault.ActionSecurityCodeExpired:
		data = map[string]string{"card_id": n.Target}
	case strings.HasPrefix(n.Action, "network_token.") && isEventType(n.Action):
		data = map[string]string{"network_token_id": n.Target}
		for k, v := range n.Detail {
			if k != "network_token_id" && safeDetail(k) {
				data[k] = v
			}
		}
	default:
		return Event{}, false
	}
	return Event{Type: n.Action, Tenant: n.Tenant, Data: data}, true
}

// safeDetail keeps only the notice details that are ids, states and
// times: a notice never carries card data, and an event repeats only
// names that cannot.
func safeDetail(k string) bool {
	switch k {
	case "card_id", "state", "status", "previous_state", "reason", "provider", "scheme", "sandbox",
		"expiry_month", "expiry_year", "last4", "token_reference_id":
		return true
	}
	return false
}

func isEventType(t string) bool {
	for _, e := range EventTypes {
		if e == t {
			return true
		}
	}
	return false
}

// Publish records ev for every endpoint of its tenant that wants it, all
// in one transaction, and returns the event id. Nothing is stored when no
// endpoint wants it. A zero ID or CreatedAt is filled in.
func (s *Service) Publish(ctx context.Context, ev Event) (string, error) {
	return s.publish(ctx, ev, "")
}

// Ping sends a webhook.ping event to one endpoint only, through the
// outbox like any other event, and returns its id.
func (s *Service) Ping(ctx context.Context, tenant, endpointID string) (string, error) {
	if _, err := s.endpoint(ctx, s.v, tenant, endpointID); err != nil {
		return "", err
	}
	return s.publish(ctx, Event{Type: EventPing, Tenant: tenant, Data: map[string]string{"webhook_id": endpointID}}, endpointID)
}

// publish stores ev's deliveries; only is, when set, the one endpoint it goes to.
func (s *Service) publish(ctx context.Context, ev Event, only string) (string, error) {
	if ev.ID == "" {
		ev.ID = "evt_" + uuid.Must(uuid.NewV7()).String()
	}
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = s.v.Now().UTC()
	}
	if ev.Data == nil {
		ev.Data = map[string]string{}
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return "", err
	}
	err = s.v.Tx(ctx, func(tx *vault.Service) error {
		eps, err := endpoints.All(ctx, tx, ev.Tenant, "")
		if err != nil {
			return err
		}
		for _, e := range eps {
			if (only != "" && e.ID != only) || !endpointOf(e).Wants(ev.Type) {
				continue
			}
			d := deliveryData{EndpointID: e.ID, EventID: ev.ID, EventType: ev.Type, Body: body, State: StatePending,
				NextAt: ev.CreatedAt}
			if _, err := deliveries.Put(ctx, tx, vault.Stored[deliveryData]{Tenant: ev.Tenant,
				ID: uuid.Must(uuid.NewV7()).String(), Value: d}); err != nil {
				return err
			}
		}
		return nil
	})
	return ev.ID, vault.DomainError(err)
}

// randomID returns 64 random bits in hex.
func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
