package native_test

import (
	"context"
	"testing"

	"github.com/cardvault/cardvault/client"
	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
	"github.com/cardvault/cardvault/internal/vault"
)

// TestExchangesMatchTheOpenAPIDocument drives every operation of the native
// API, successes and refusals, through a client that checks each request
// and response against docs/cardvault.json.
func TestExchangesMatchTheOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	doc := apidoctest.New(t, "cardvault")
	hc := doc.Client(t, nil)
	ctx := context.Background()
	admin := client.New(e.URL, e.AdminKey, client.WithHTTPClient(hc))

	k, err := admin.CreateKey(ctx, client.KeyInput{Name: "all", Scopes: []string{client.ScopeCardsWrite, client.ScopeCardsRead, client.ScopeCardsReveal}})
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(e.URL, k.Secret, client.WithHTTPClient(hc))
	card, err := c.CreateCard(ctx, client.CardInput{Number: pan, Expiry: "12/39", Holder: "Ada Lovelace", SecurityCode: "123",
		Metadata: map[string]string{"plan": "gold"}, Extra: map[string]string{"note": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateCard(ctx, client.CardInput{Number: amexPAN, ExpMonth: 1, ExpYear: 2040}); err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { _, err := c.GetCard(ctx, card.ID); return err },
		func() error { _, err := c.ListCards(ctx, client.Page{Limit: 1}); return err },
		func() error { _, err := c.RevealCard(ctx, card.ID); return err },
		func() error {
			h := "Grace Hopper"
			_, err := c.UpdateCard(ctx, card.ID, client.CardUpdate{Holder: &h})
			return err
		},
		func() error { _, err := admin.ListKeys(ctx, client.Page{}); return err },
		func() error { return c.DeleteCard(ctx, card.ID) },
		func() error { return admin.RevokeKey(ctx, k.ID) },
		func() error {
			_, err := admin.CreateTenant(ctx, client.TenantInput{ID: "globex", Name: "Globex"})
			return err
		},
		func() error { _, err := admin.ListTenants(ctx, client.Page{Limit: 10}); return err },
		func() error {
			_, err := admin.CreateTenantKey(ctx, "globex", client.KeyInput{Scopes: []string{client.ScopeCardsRead}})
			return err
		},
		func() error { return admin.DisableTenant(ctx, "globex") },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	// Refusals are in the document too.
	refusals := []struct {
		call func() error
		code string
	}{
		{func() error { _, err := c.GetCard(ctx, card.ID); return err }, client.CodeUnauthorized},
		{func() error { _, err := admin.GetCard(ctx, "card_missing"); return err }, client.CodeNotFound},
		{func() error {
			_, err := admin.CreateCard(ctx, client.CardInput{Number: "4111111111111112"})
			return err
		}, client.CodeInvalid},
	}
	for i, r := range refusals {
		if got := client.ErrorCode(r.call()); got != r.code {
			t.Errorf("refusal %d: code %q, want %q", i, got, r.code)
		}
	}
	reader := client.New(e.URL, e.Key(t, vault.ScopeCardsRead), client.WithHTTPClient(hc))
	if got := client.ErrorCode(reader.RevokeKey(ctx, "key_x")); got != client.CodeForbidden {
		t.Errorf("revoke with a read key: %q", got)
	}
	tenantAdmin := client.New(e.URL, e.Key(t, vault.ScopeAdmin), client.WithHTTPClient(hc))
	if _, err := tenantAdmin.ListTenants(ctx, client.Page{}); client.ErrorCode(err) != client.CodeForbidden {
		t.Errorf("list tenants with a tenant admin key: %v", err)
	}
	if got := client.ErrorCode(admin.DisableTenant(ctx, "nobody")); got != client.CodeNotFound {
		t.Errorf("disable an unknown tenant: %q", got)
	}

	checked := doc.Checked()
	for _, op := range []string{"POST /cards", "GET /cards", "GET /cards/{id}", "PATCH /cards/{id}", "DELETE /cards/{id}",
		"GET /cards/{id}/reveal", "POST /keys", "GET /keys", "DELETE /keys/{id}",
		"GET /tenants", "POST /tenants", "POST /tenants/{id}/disable", "POST /tenants/{id}/keys"} {
		if checked[op] == 0 {
			t.Errorf("no exchange of %s was checked against the document", op)
		}
	}
}
