package guardian

import (
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// Guardian 1.0 names admin:webhooks:{create,read,delete} scopes but its
// reference documents no webhook operations, so these follow its admin
// API-key operations (200 on create, the secret only there, a data/links
// list, 204 on delete) over cardvault's webhooks; docs/compat/guardian.md
// records the choice.

// webhookResponse is an endpoint; Secret only on create.
type webhookResponse struct {
	ID          string    `json:"id"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Description string    `json:"description,omitempty"`
	Secret      string    `json:"secret,omitempty"`
}

func webhookView(e webhooks.Endpoint) webhookResponse {
	return webhookResponse{ID: e.ID, CreatedAt: e.CreatedAt, URL: e.URL, Events: e.EventNames(), Description: e.Description,
		Secret: e.Secret}
}

// createWebhook registers an endpoint and shows its signing secret once:
// POST /api/admin/webhooks.
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
	if err := a.record(r, "webhook.create", nil, ep.ID); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	server.Encode(w, http.StatusOK, webhookView(ep))
	return nil
}

// listWebhooks pages through the tenant's endpoints: GET /api/admin/webhooks.
func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	if a.webhooks == nil {
		return api.ErrNoWebhooks
	}
	p, err := page(r, false)
	if err != nil {
		return err
	}
	eps, err := a.webhooks.List(r.Context(), server.Principal(r).Tenant, p)
	if err != nil {
		return err
	}
	out := listResponse[webhookResponse]{Data: []webhookResponse{}}
	last := ""
	for _, e := range eps {
		out.Data = append(out.Data, webhookView(e))
		last = e.ID
	}
	out.Links.Next = a.nextURL(r, p, last)
	server.Encode(w, http.StatusOK, out)
	return nil
}

// getWebhook shows one endpoint: GET /api/admin/webhooks/{id}.
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

// deleteWebhook removes an endpoint: DELETE /api/admin/webhooks/{id}.
func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if a.webhooks == nil {
		return api.ErrNoWebhooks
	}
	id := r.PathValue("id")
	if err := a.webhooks.Delete(r.Context(), server.Principal(r).Tenant, id); err != nil {
		return err
	}
	if err := a.record(r, "webhook.delete", nil, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
