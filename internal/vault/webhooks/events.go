package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/tsp"
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

// FromNotice turns a core notice into the webhook event it announces, if
// any: a security code that expired. Network-token changes are published
// by NetworkTokenEvent inside the change's own transaction instead, so
// their notices are not events here (they would be published twice).
func FromNotice(n vault.Notice) (Event, bool) {
	if n.Action != vault.ActionSecurityCodeExpired {
		return Event{}, false
	}
	return Event{Type: n.Action, Tenant: n.Tenant, Data: map[string]string{"card_id": n.Target}}, true
}

// NetworkTokenEvent is the webhook event of a network-token lifecycle
// change. Its id is derived from the change's own event id, so it is the
// same however often it is published. It names the token and its card by
// id, with the state, provider, whether it is a sandbox token and the
// token's own expiry: never the DPAN.
func NetworkTokenEvent(e tsp.Event, t tsp.Token) Event {
	data := map[string]string{"network_token_id": e.TokenID, "card_id": e.CardID, "state": string(e.State),
		"provider": t.Provider, "sandbox": strconv.FormatBool(t.Sandbox)}
	if t.Expiry.Month != 0 {
		data["expiry_month"] = strconv.Itoa(t.Expiry.Month)
		data["expiry_year"] = strconv.Itoa(t.Expiry.Year)
	}
	return Event{ID: "evt_" + e.ID, Type: string(e.Type), Tenant: e.Tenant, CreatedAt: e.At.UTC(), Data: data}
}

// Publish records ev for every endpoint of its tenant that wants it, all
// in one transaction, and returns the event id. Nothing is stored when no
// endpoint wants it. A zero ID or CreatedAt is filled in.
func (s *Service) Publish(ctx context.Context, ev Event) (string, error) {
	return s.publish(ctx, ev, "")
}

// PublishIn is Publish inside the caller's transaction tx (a Service that
// vault.Service.Tx handed out), so that the event is stored with the
// change it reports, or neither is.
func (s *Service) PublishIn(ctx context.Context, tx *vault.Service, ev Event) (string, error) {
	ev, body, err := s.prepare(ev)
	if err != nil {
		return "", err
	}
	return ev.ID, s.store(ctx, tx, ev, body, "")
}

// Ping sends a webhook.ping event to one endpoint only, through the
// outbox like any other event, and returns its id.
func (s *Service) Ping(ctx context.Context, tenant, endpointID string) (string, error) {
	if _, err := s.endpoint(ctx, s.v, tenant, endpointID); err != nil {
		return "", err
	}
	return s.publish(ctx, Event{Type: EventPing, Tenant: tenant, Data: map[string]string{"webhook_id": endpointID}}, endpointID)
}

// publish stores ev's deliveries in a transaction of its own; only is,
// when set, the one endpoint it goes to.
func (s *Service) publish(ctx context.Context, ev Event, only string) (string, error) {
	ev, body, err := s.prepare(ev)
	if err != nil {
		return "", err
	}
	err = s.v.Tx(ctx, func(tx *vault.Service) error { return s.store(ctx, tx, ev, body, only) })
	return ev.ID, vault.DomainError(err)
}

// prepare fills in ev's id and time and encodes its body.
func (s *Service) prepare(ev Event) (Event, []byte, error) {
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
	return ev, body, err
}

// store writes one delivery of ev per endpoint that wants it, through tx.
// An event already queued for an endpoint (its clear key "event
// id/endpoint id" is taken) is not queued again.
func (s *Service) store(ctx context.Context, tx *vault.Service, ev Event, body []byte, only string) error {
	eps, err := endpoints.All(ctx, tx, ev.Tenant, "")
	if err != nil {
		return err
	}
	for _, e := range eps {
		if (only != "" && e.ID != only) || !endpointOf(e).Wants(ev.Type) {
			continue
		}
		d := deliveryData{EndpointID: e.ID, EventID: ev.ID, EventType: ev.Type, Body: body, State: StatePending,
			NextAt: s.v.Now()}
		if _, err := deliveries.ByKey(ctx, tx, ev.Tenant, d.EventID+"/"+d.EndpointID); err == nil {
			continue
		}
		if _, err := deliveries.Put(ctx, tx, vault.Stored[deliveryData]{Tenant: ev.Tenant,
			ID: uuid.Must(uuid.NewV7()).String(), Value: d}); err != nil {
			return err
		}
	}
	return nil
}

// randomID returns 64 random bits in hex.
func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
