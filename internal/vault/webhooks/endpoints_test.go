package webhooks_test

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestEndpointURLPassesTheForwardAllowlistAndSSRFChecks(t *testing.T) {
	c := vaulttest.NewCore(t, vault.Options{})
	rc := newReceiver(t, 0, c.Clock)
	// Allowed: the loopback receiver, named by an IP rule; and a public
	// name that resolves to a private address, which the SSRF guard refuses.
	hooks := webhooks.New(c.Vault, relay(t, rc.allow()+",https://hooks.example.com"), nil, webhooks.Options{})
	ctx := context.Background()
	for _, tc := range []struct{ url, want string }{
		{"https://evil.example.net/hook", "no allow rule matches"},
		{"http://169.254.169.254/latest/meta-data", "no allow rule matches"},
		{"ftp://" + strings.TrimPrefix(rc.srv.URL, "http://"), "webhook URL refused"},
		{"https://user:pass@hooks.example.com/x", "webhook URL refused"},
		{strings.Replace(rc.srv.URL, "http://", "https://", 1) + "/x", "no allow rule matches"},
		{"", "url is required"},
	} {
		_, err := hooks.Create(ctx, vault.DefaultTenant, webhooks.NewEndpoint{URL: tc.url})
		e := vault.AsError(err)
		if e.Code != vault.CodeInvalid || e.Field != "url" || !strings.Contains(e.Public, tc.want) {
			t.Errorf("%q: %v (%s), want invalid url %q", tc.url, err, e.Code, tc.want)
		}
	}
	// A name on the allowlist whose DNS answer is private: the SSRF guard.
	allow, err := forward.ParseAllowlist("http://rebind.example.com")
	if err != nil {
		t.Fatal(err)
	}
	rebind := forward.NewRelay(allow, forward.Options{Resolver: func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, nil
	}})
	_, err = webhooks.New(c.Vault, rebind, nil, webhooks.Options{}).Create(ctx, vault.DefaultTenant,
		webhooks.NewEndpoint{URL: "http://rebind.example.com/hook"})
	if e := vault.AsError(err); e.Field != "url" || !strings.Contains(e.Public, "resolves to a private address") {
		t.Errorf("a name resolving to a private address: %v", err)
	}
	if _, err := hooks.Create(ctx, vault.DefaultTenant, webhooks.NewEndpoint{URL: rc.srv.URL, Events: []string{"card.create"}}); vault.CodeOf(err) != vault.CodeInvalid {
		t.Fatalf("an unknown event type: %v", err)
	}
	if eps, _ := hooks.List(ctx, vault.DefaultTenant, vault.Page{}); len(eps) != 0 {
		t.Fatalf("a refused endpoint was stored: %v", eps)
	}
}

func TestEndpointSecretIsShownOnceAndSealed(t *testing.T) {
	c := vaulttest.NewCore(t, vault.Options{})
	if _, err := c.Vault.CreateTenant(context.Background(), "acme", "acme"); err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, 0, c.Clock)
	hooks := webhooks.New(c.Vault, relay(t, rc.allow()), nil, webhooks.Options{})
	ctx := context.Background()
	ep, err := hooks.Create(ctx, vault.DefaultTenant, webhooks.NewEndpoint{URL: rc.srv.URL + "/h",
		Events: []string{webhooks.EventSecurityCodeExpired, webhooks.EventSecurityCodeExpired}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ep.Secret, "whsec_") || len(ep.Secret) < 40 || len(ep.Events) != 1 {
		t.Fatalf("created %+v", ep)
	}
	got, err := hooks.Get(ctx, vault.DefaultTenant, ep.ID)
	if err != nil || got.Secret != "" || got.URL != rc.srv.URL+"/h" {
		t.Fatalf("Get %+v %v: the secret is shown again or the URL is wrong", got, err)
	}
	if _, err := hooks.Get(ctx, "acme", ep.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("another tenant reads the endpoint: %v", err)
	}
	if err := hooks.Delete(ctx, "acme", ep.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("another tenant deletes the endpoint: %v", err)
	}
	r, err := c.Store.GetRecord(ctx, vault.KindWebhookEndpoint, ep.ID, c.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(r.Data, []byte(ep.Secret)) || bytes.Contains(r.Data, []byte(rc.srv.URL+"/h")) {
		t.Fatal("the store holds the secret or the URL in the clear")
	}
	// Events the endpoint did not ask for are not queued for it.
	if _, err := hooks.Publish(ctx, webhooks.Event{Type: webhooks.EventNetworkTokenDeleted, Tenant: vault.DefaultTenant}); err != nil {
		t.Fatal(err)
	}
	if ds, err := hooks.Deliveries(ctx, vault.DefaultTenant, ep.ID, vault.Page{}); err != nil || len(ds) != 0 {
		t.Fatalf("deliveries %v %v", ds, err)
	}
	if _, err := hooks.Ping(ctx, vault.DefaultTenant, ep.ID); err != nil {
		t.Fatal(err)
	}
	rc.secret = ep.Secret
	if n, err := hooks.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("ping: %d %v", n, err)
	}
	if ok, bad, _ := rc.counts(); len(ok) != 1 || len(bad) != 0 {
		t.Fatalf("ping received %v, bad %v", ok, bad)
	}
}

func TestOnlySecurityCodeNoticesBecomeEvents(t *testing.T) {
	ev, ok := webhooks.FromNotice(vault.Notice{Tenant: "t", Action: vault.ActionSecurityCodeExpired, Target: "card-1"})
	if !ok || ev.Type != webhooks.EventSecurityCodeExpired || ev.Data["card_id"] != "card-1" || len(ev.Data) != 1 {
		t.Fatalf("security code: %+v %v", ev, ok)
	}
	// Network-token notices are published in the change's transaction
	// (NetworkTokenEvent), never a second time from the notice.
	for _, a := range []string{vault.ActionCardCreate, vault.ActionKeySuspended, vault.ActionNetworkTokenSuspended} {
		if _, ok := webhooks.FromNotice(vault.Notice{Action: a}); ok {
			t.Errorf("%s became an event", a)
		}
	}
}
