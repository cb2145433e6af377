package main

import (
	"fmt"
	"log/slog"

	"github.com/cardvault/cardvault/internal/api/gr4vy"
	"github.com/cardvault/cardvault/internal/api/guardian"
	"github.com/cardvault/cardvault/internal/api/hostedform"
	"github.com/cardvault/cardvault/internal/api/hyperswitch"
	"github.com/cardvault/cardvault/internal/api/native"
	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/bintable"
	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/connector"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
)

// deps are the parts every facade is built from.
type deps struct {
	vault *vault.Service
	audit *audit.Log
	log   *slog.Logger
	// getenv resolves ${VAR} references in the connector file.
	getenv func(string) string
}

// facades builds every API dialect the vault serves, in mount order.
func facades(d deps, c config.Config) ([]server.Facade, error) {
	allow, err := forward.ParseAllowlist(c.ForwardAllow)
	if err != nil {
		return nil, fmt.Errorf("forward-allow: %w", err)
	}
	relay := forward.NewRelay(allow, forward.Options{})
	bins := bintable.Default()
	if c.BINTable != "" {
		if bins, err = bintable.Load(c.BINTable); err != nil {
			return nil, fmt.Errorf("bin-table: %w", err)
		}
	}
	var connectors *connector.Set
	if c.Connectors != "" {
		if connectors, err = connector.Load(c.Connectors, d.getenv); err != nil {
			return nil, fmt.Errorf("connectors: %w", err)
		}
	}
	pci := pcivault.New(d.vault, d.audit, d.log, pv.Options{})
	return []server.Facade{
		native.New(d.vault, d.audit, d.log),
		pci,
		hostedform.New(d.vault, pci, d.audit, d.log, hostedform.Options{}),
		gr4vy.New(d.vault, relay, d.audit, d.log),
		guardian.New(d.vault, guardian.Deps{Logger: d.log, Audit: d.audit, Relay: relay, BINs: bins}),
		hyperswitch.New(d.vault, d.audit, connector.New(connectors, relay), d.log),
	}, nil
}
