package native

import (
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// webhookResponse shows an endpoint; Secret only on create.
type webhookResponse struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Description string    `json:"description,omitempty"`
	Secret      string    `json:"secret,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// deliveryResponse shows one outbox row.
type deliveryResponse struct {
	ID            string     `json:"id"`
	EventID       string     `json:"event_id"`
	EventType     string     `json:"event_type"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	LastStatus    int        `json:"last_response_status,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
}

func webhookView(e webhooks.Endpoint) webhookResponse {
	return webhookResponse{ID: e.ID, URL: e.URL, Events: e.EventNames(), Description: e.Description, Secret: e.Secret,
		CreatedAt: e.CreatedAt}
}

// createWebhook registers an endpoint and shows its signing secret once:
// POST /webhooks.
func (a *API) createWebhook(w http.ResponseWriter, r *http.Request) error {
	if a.webhooks == nil {
		return api.ErrNoWebhooks
	}
	req, err := server.Decode[api.WebhookRequest](r, true)
	if err != nil {
		return err
	}
	ep, err := a.webhooks.Create(r.Context(), server.Principal(r).Tenant, req.Endpoint())
	if err != nil {
		return err
	}
	if err := a.record(r, "webhook.create", ep.ID); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	server.Encode(w, http.StatusCreated, webhookView(ep))
	return nil
}

// listWebhooks pages through the tenant's endpoints: GET /webhooks.
func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	if a.webhooks == nil {
		return api.ErrNoWebhooks
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	eps, err := a.webhooks.List(r.Context(), server.Principal(r).Tenant, p)
	if err != nil {
		return err
	}
	items := make([]webhookResponse, len(eps))
	for i, e := range eps {
		items[i] = webhookView(e)
	}
	server.Encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// getWebhook shows one endpoint: GET /webhooks/{id}.
func (a *API) getWebhook(w http.ResponseWriter, r *http.Request) error {
	if a.webhooks == nil {
		return api.ErrNoWebhooks
	}
	ep, err := a.webhooks.Get(r.Context(), server.Principal(r).Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, webhookView(ep))
	return nil
}

// deleteWebhook removes an endpoint: DELETE /webhooks/{id}.
func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if a.webhooks == nil {
		return api.ErrNoWebhooks
	}
	if err := a.webhooks.Delete(r.Context(), server.Principal(r).Tenant, r.PathValue("id")); err != nil {
		return err
	}
	if err := a.record(r, "webhook.delete", r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listDeliveries pages through an endpoint's deliveries, oldest first:
// GET /webhooks/{id}/deliveries.
func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	if a.webhooks == nil {
		return api.ErrNoWebhooks
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	ds, err := a.webhooks.Deliveries(r.Context(), server.Principal(r).Tenant, r.PathValue("id"), p)
	if err != nil {
		return err
	}
	items := make([]deliveryResponse, len(ds))
	for i, d := range ds {
		items[i] = deliveryResponse{ID: d.ID, EventID: d.EventID, EventType: d.EventType, Status: d.State,
			Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.CreatedAt}
		if !d.NextAt.IsZero() {
			items[i].NextAttemptAt = &d.NextAt
		}
		if !d.DeliveredAt.IsZero() {
			items[i].DeliveredAt = &d.DeliveredAt
		}
	}
	server.Encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// pingWebhook queues a webhook.ping event for one endpoint:
// POST /webhooks/{id}/ping.
func (a *API) pingWebhook(w http.ResponseWriter, r *http.Request) error {
	if a.webhooks == nil {
		return api.ErrNoWebhooks
	}
	id, err := a.webhooks.Ping(r.Context(), server.Principal(r).Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusAccepted, map[string]string{"event_id": id})
	return nil
}
