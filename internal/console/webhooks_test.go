package console_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/console"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/consolesessions"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// The webhooks page shows each endpoint of the signed-in tenant with its
// deliveries counted, and a failing one with the endpoint's last answer.
func TestWebhooksPageShowsPendingDeliveries(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	relay := vaulttest.Relay(t, down.URL)
	var hooks *webhooks.Service
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		hooks = webhooks.New(d.Vault, relay, d.Logger(), webhooks.Options{})
		return []server.Facade{console.New(console.Deps{Keys: d.Vault, Tenants: d.Vault, Webhooks: hooks,
			Sessions: consolesessions.New(d.Vault, consolesessions.Options{}),
			Audit:    d.Audit.(*audit.Log), Logger: d.Logger()}, console.Options{})}
	}})
	ctx := t.Context()
	ep, err := hooks.Create(ctx, vault.DefaultTenant, webhooks.NewEndpoint{URL: down.URL + "/hook/receiver-credential?token=receiver-token"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := hooks.Publish(ctx, webhooks.Event{Type: webhooks.EventSecurityCodeExpired, Tenant: vault.DefaultTenant,
		Data: map[string]string{"card_id": "c1"}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := hooks.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("deliver: %d %v", n, err)
	}
	b := newBrowser(t, e)
	b.signIn(e.AdminKey)
	resp, page := b.do("GET", "/console/webhooks", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="webhook-`+ep.ID+`"`) || !strings.Contains(page, id) ||
		!strings.Contains(page, "<strong>1</strong> pending") || !strings.Contains(page, "the endpoint answered 503") {
		t.Fatalf("webhooks page %d:\n%s", resp.StatusCode, page)
	}
	if strings.Contains(page, ep.Secret) || strings.Contains(page, "<script") || strings.Contains(page, "receiver-") ||
		!strings.Contains(page, "<code>"+down.URL+"</code>") {
		t.Fatal("the page shows the secret or the URL's path or query, or not its host, or has script")
	}
	other := newBrowser(t, e)
	other.signIn(e.TenantKey(t, "acme"))
	if _, page := other.do("GET", "/console/webhooks", nil); strings.Contains(page, ep.ID) {
		t.Fatal("another tenant sees the endpoint")
	}
}
