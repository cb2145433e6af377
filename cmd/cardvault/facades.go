package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/api/gr4vy"
	"github.com/cardvault/cardvault/internal/api/guardian"
	"github.com/cardvault/cardvault/internal/api/hostedform"
	"github.com/cardvault/cardvault/internal/api/hyperswitch"
	"github.com/cardvault/cardvault/internal/api/native"
	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/bintable"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/connector"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/buyers"
	"github.com/cardvault/cardvault/internal/vault/cardtokens"
	"github.com/cardvault/cardvault/internal/vault/checkouts"
	"github.com/cardvault/cardvault/internal/vault/customers"
	"github.com/cardvault/cardvault/internal/vault/forms"
	"github.com/cardvault/cardvault/internal/vault/jwtkeys"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
	"github.com/cardvault/cardvault/internal/vault/sessions"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// deps are the parts every facade is built from.
type deps struct {
	vault *vault.Service
	audit api.Recorder
	log   *slog.Logger
	// getenv resolves ${VAR} references in the connector file.
	getenv func(string) string
	// ops are the operational metrics features report to (surfaces.go).
	ops *server.OpsMetrics
	// limits are the rate limits (limits.go).
	limits limits
	// networkTokens is the network-token domain on the CARDVAULT_TSP
	// provider; whatever subscribes to its lifecycle events (OnEvent)
	// does so before serving.
	networkTokens *networktokens.Service
	// outcomes records forwards' outcomes in the background; stopping
	// waits for it before the store closes.
	outcomes *api.Outcomes
}

// maxOutcomes bounds the forward outcomes recorded in the background at
// once; beyond it a forward waits for its outcome's record.
const maxOutcomes = 4096

// facades builds every domain on the vault core and every API dialect the
// vault serves, in mount order, all from one api.Deps. It also returns the
// webhook service, which serve runs and feeds the core's notices.
func facades(d deps, c config.Config) ([]server.Facade, *webhooks.Service, error) {
	allow, err := forward.Destinations(c.ForwardAllow, c.ForwardDefaultsOn())
	if err != nil {
		return nil, nil, fmt.Errorf("forward-allow: %w", err)
	}
	relay := forward.NewRelay(allow, forward.Options{})
	bins := bintable.Default()
	if c.BINTable != "" {
		if bins, err = bintable.Load(c.BINTable); err != nil {
			return nil, nil, fmt.Errorf("bin-table: %w", err)
		}
	}
	var connectors *connector.Set
	if c.Connectors != "" {
		if connectors, err = connector.Load(c.Connectors, d.getenv); err != nil {
			return nil, nil, fmt.Errorf("connectors: %w", err)
		}
	}
	v := d.vault
	// Webhook destinations pass the forward relay's allowlist and SSRF guard.
	hooks := webhooks.New(v, relay, d.log, webhooks.Options{Observe: d.ops.WebhookAttempt})
	if d.networkTokens != nil {
		// A network-token change and its webhook deliveries commit together.
		d.networkTokens.OnEvent(func(ctx context.Context, tx *vault.Service, e tsp.Event, t tsp.Token) error {
			_, err := hooks.PublishIn(ctx, tx, webhooks.NetworkTokenEvent(e, t))
			return err
		})
	}
	all := api.Deps{NetworkTokens: d.networkTokens, Webhooks: hooks, Vault: v, Customers: customers.New(v), Sessions: sessions.New(v, d.log), Forms: forms.New(v),
		PCI: pv.New(v, pv.Options{MaxUnlocks: c.KDFRunsOrDefault()}), Audit: d.audit, Outcomes: d.outcomes, Log: d.log, Relay: relay, Connectors: connector.New(connectors, relay),
		BINs: bins, Limits: d.limits.keys, JWTKeys: jwtkeys.New(v), Buyers: buyers.New(v),
		Checkouts: checkouts.New(v), CardTokens: cardtokens.New(v), PublicURL: c.PublicBase(), TrustHostHeader: c.TrustHostHeader}
	return []server.Facade{
		native.New(all),
		pcivault.New(all),
		hostedform.New(all),
		gr4vy.New(all),
		guardian.New(all),
		hyperswitch.New(all),
	}, hooks, nil
}

// networkTokens builds the network-token domain on the provider name
// (CARDVAULT_TSP) chooses; only the sandbox is built in.
func networkTokens(v *vault.Service, name string) (*networktokens.Service, error) {
	switch name {
	case "", "sandbox":
		return networktokens.New(v, func(st tsp.Storage) tsp.Provider { return tsp.NewSandbox(st, v.Now) }), nil
	}
	return nil, fmt.Errorf("tsp: %q is not a known network-token service provider (known: sandbox)", name)
}
