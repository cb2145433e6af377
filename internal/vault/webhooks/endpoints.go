package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
)

// The event types an endpoint can subscribe to.
const (
	EventNetworkTokenProvisioned = "network_token.provisioned"
	EventNetworkTokenSuspended   = "network_token.suspended"
	EventNetworkTokenResumed     = "network_token.resumed"
	EventNetworkTokenDeleted     = "network_token.deleted"
	EventNetworkTokenUpdated     = "network_token.updated"
	EventSecurityCodeExpired     = "security_code.expired"
	// EventPing is sent only by Ping, to the endpoint asked for.
	EventPing = "webhook.ping"
)

// EventTypes lists every type an endpoint can ask for.
var EventTypes = []string{EventNetworkTokenProvisioned, EventNetworkTokenSuspended, EventNetworkTokenResumed,
	EventNetworkTokenDeleted, EventNetworkTokenUpdated, EventSecurityCodeExpired}

// Limits on what a tenant registers.
const (
	MaxEndpoints   = 16
	maxURL         = 2048
	maxDescription = 200
)

// Endpoint is a registered webhook destination.
type Endpoint struct {
	ID     string
	Tenant string
	URL    string
	// Events are the types delivered to it; empty means every type.
	Events      []string
	Description string
	// Secret signs its deliveries; only Create returns it.
	Secret    string
	CreatedAt time.Time
}

// Wants reports whether the endpoint takes events of type typ.
func (e Endpoint) Wants(typ string) bool {
	return typ == EventPing || len(e.Events) == 0 || slices.Contains(e.Events, typ)
}

// EventNames lists the types the endpoint takes as the APIs show them:
// ["*"] for every type.
func (e Endpoint) EventNames() []string {
	if len(e.Events) == 0 {
		return []string{"*"}
	}
	return e.Events
}

// endpointData is an endpoint record's value, sealed.
type endpointData struct {
	URL         string   `json:"url"`
	Events      []string `json:"events,omitempty"`
	Description string   `json:"description,omitempty"`
	Secret      string   `json:"secret"`
}

var endpoints = vault.NewRecordType[endpointData](vault.KindWebhookEndpoint, 1, nil, nil)

var errEndpointNotFound = &vault.Error{Code: vault.CodeNotFound, Public: "webhook endpoint not found"}

func endpointOf(r vault.Stored[endpointData]) Endpoint {
	return Endpoint{ID: r.ID, Tenant: r.Tenant, URL: r.Value.URL, Events: r.Value.Events,
		Description: r.Value.Description, CreatedAt: r.CreatedAt}
}

// NewEndpoint is what Create registers.
type NewEndpoint struct {
	URL         string
	Events      []string
	Description string
}

// Create registers an endpoint after checking its URL the way a forward's
// destination is checked (allowlist, scheme, resolved addresses), and
// returns it with its secret: the only time the secret is shown.
func (s *Service) Create(ctx context.Context, tenant string, in NewEndpoint) (Endpoint, error) {
	if err := s.checkEndpoint(ctx, &in); err != nil {
		return Endpoint{}, err
	}
	secret, err := newSecret()
	if err != nil {
		return Endpoint{}, err
	}
	var out Endpoint
	err = s.v.Tx(ctx, func(tx *vault.Service) error {
		have, err := endpoints.All(ctx, tx, tenant, "")
		if err != nil {
			return err
		}
		if len(have) >= MaxEndpoints {
			return &vault.Error{Code: vault.CodeConflict,
				Public: "this tenant already has the most webhook endpoints allowed (16); delete one first"}
		}
		r, err := endpoints.Put(ctx, tx, vault.Stored[endpointData]{Tenant: tenant, ID: uuid.Must(uuid.NewV7()).String(),
			Value: endpointData{URL: in.URL, Events: in.Events, Description: in.Description, Secret: secret}})
		out = endpointOf(r)
		return err
	})
	if err != nil {
		return Endpoint{}, vault.DomainError(err)
	}
	out.Secret = secret
	return out, nil
}

// checkEndpoint validates and normalises a new endpoint.
func (s *Service) checkEndpoint(ctx context.Context, in *NewEndpoint) error {
	in.URL = strings.TrimSpace(in.URL)
	if in.URL == "" {
		return vault.Invalid("url", "url is required")
	}
	if len(in.URL) > maxURL {
		return vault.Invalid("url", "url is longer than %d characters", maxURL)
	}
	if len(in.Description) > maxDescription {
		return vault.Invalid("description", "description is longer than %d characters", maxDescription)
	}
	var events []string
	for _, e := range in.Events {
		if e == "*" {
			events = nil
			break
		}
		if !slices.Contains(EventTypes, e) {
			return vault.Invalid("events", "unknown event type %q (known: %s, or * for all)",
				clip(e), strings.Join(EventTypes, ", "))
		}
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	in.Events = events
	if s.relay == nil {
		return vault.Invalid("url", "webhook URL refused: no destinations are configured")
	}
	_, err := s.relay.Prepare(ctx, forward.Request{Method: http.MethodPost, URL: in.URL, Timeout: s.opts.Timeout})
	var re *forward.RefusedError
	var ue *forward.UpstreamError
	switch {
	case errors.As(err, &re):
		return vault.Invalid("url", "webhook URL refused: %s (webhook destinations pass the same allowlist as forwards: "+
			"CARDVAULT_FORWARD_ALLOW)", re.Reason)
	case errors.As(err, &ue):
		return vault.Invalid("url", "webhook URL refused: its host does not resolve")
	case err != nil:
		return err
	}
	return nil
}

// clip shortens a caller's string for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// newSecret returns a fresh signing secret: "whsec_" and 256 random bits.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// Get returns one of the tenant's endpoints, without its secret.
func (s *Service) Get(ctx context.Context, tenant, id string) (Endpoint, error) {
	r, err := s.endpoint(ctx, s.v, tenant, id)
	if err != nil {
		return Endpoint{}, err
	}
	return endpointOf(r), nil
}

func (s *Service) endpoint(ctx context.Context, v *vault.Service, tenant, id string) (vault.Stored[endpointData], error) {
	if _, err := uuid.Parse(id); err != nil {
		return vault.Stored[endpointData]{}, errEndpointNotFound
	}
	r, err := endpoints.Get(ctx, v, tenant, id)
	if errors.Is(err, vault.ErrNotFound) {
		return r, errEndpointNotFound
	}
	return r, vault.DomainError(err)
}

// List pages through the tenant's endpoints in creation order, without secrets.
func (s *Service) List(ctx context.Context, tenant string, p vault.Page) ([]Endpoint, error) {
	if p.Limit <= 0 || p.Limit > 100 {
		p.Limit = 100
	}
	rs, err := endpoints.List(ctx, s.v, tenant, "", p)
	if err != nil {
		return nil, vault.DomainError(err)
	}
	out := make([]Endpoint, len(rs))
	for i, r := range rs {
		out[i] = endpointOf(r)
	}
	return out, nil
}

// Delete removes an endpoint; its pending deliveries are dropped when
// their turn comes.
func (s *Service) Delete(ctx context.Context, tenant, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return errEndpointNotFound
	}
	err := endpoints.Delete(ctx, s.v, tenant, id)
	if errors.Is(err, vault.ErrNotFound) {
		return errEndpointNotFound
	}
	return vault.DomainError(err)
}
