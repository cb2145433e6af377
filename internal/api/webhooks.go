package api

import (
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// WebhookRequest is the body that registers a webhook endpoint, the same
// in every dialect that offers webhooks (native POST /webhooks, Guardian
// POST /api/admin/webhooks).
type WebhookRequest struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
}

// Endpoint returns the endpoint the request asks for.
func (r WebhookRequest) Endpoint() webhooks.NewEndpoint {
	return webhooks.NewEndpoint{URL: r.URL, Events: r.Events, Description: r.Description}
}

// ErrNoWebhooks is every webhook route's answer when the vault sends no
// webhooks: not found, in the facade's own error shape.
var ErrNoWebhooks = &vault.Error{Code: vault.CodeNotFound, Public: "this vault sends no webhooks"}
