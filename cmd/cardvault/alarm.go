package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// auditIntegrityFailures records an audit event for every stored row that
// fails its integrity check (the vault has already logged and refused it).
// The event goes to the row's tenant's chain, or to the default tenant's
// when the row names a tenant that has none (a forged row).
func auditIntegrityFailures(svc *vault.Service, log *audit.Log, logger *slog.Logger) {
	svc.OnIntegrityFailure(func(ctx context.Context, f vault.IntegrityFailure) {
		ev := audit.Event{Tenant: f.Tenant, Actor: "system", Action: f.Action, Targets: []string{f.ID},
			RequestID: server.RequestIDFrom(ctx)}
		err := log.Record(ctx, ev)
		if err != nil && f.Tenant != vault.DefaultTenant {
			ev.Tenant, ev.Detail = vault.DefaultTenant, map[string]string{"row_tenant": f.Tenant}
			err = log.Record(ctx, ev)
		}
		if err != nil {
			logger.Error("could not audit an integrity failure", "action", f.Action, "id", f.ID, "err", err)
		}
	})
}

// publisher queues webhook events; *webhooks.Service is one.
type publisher interface {
	Publish(ctx context.Context, ev webhooks.Event) (string, error)
}

// cardTokens deletes a card's network tokens; *networktokens.Service is one.
type cardTokens interface {
	DeleteCard(ctx context.Context, tenant, cardID string) error
}

// linker links the pending audit events of a tenant into its chain;
// *audit.Log is one.
type linker interface {
	Link(tenant string)
}

// auditNotices records the core's notices (card creation and deletion, a
// key suspended by the enumeration guard, a security code expired, network
// token changes) in the audit log of their tenant, and queues those that
// are webhook events for the tenant's endpoints. Suspensions are also
// counted in cardvault_key_suspensions_total. A deleted card's live network
// tokens are deleted too, whichever API deleted the card (tokens may be
// nil when there is no token service). A notice whose event the core
// already wrote as a pending audit record in the write's own transaction
// (vault.Notice.Audited: a stored card) is not recorded again: links (the
// audit log itself, not a wrapper of its Record) links it into the chain
// (the periodic sweep does otherwise, and when links is nil).
func auditNotices(svc *vault.Service, log api.Recorder, links linker, ops *server.OpsMetrics, hooks publisher, tokens cardTokens) {
	svc.OnNotice(func(ctx context.Context, n vault.Notice) error {
		var err error
		switch n.Action {
		case vault.ActionKeySuspended:
			ops.KeySuspended()
		case vault.ActionCardDelete:
			if tokens != nil {
				if terr := tokens.DeleteCard(ctx, n.Tenant, n.Target); terr != nil {
					err = fmt.Errorf("delete the network tokens of deleted card %s: %w", n.Target, terr)
				}
			}
		}
		actor := n.Actor
		if actor == "" {
			actor = "system"
		}
		if n.Audited {
			// Already durable as a pending event, written with the card:
			// have it linked into the chain, without waiting.
			if links != nil {
				links.Link(n.Tenant)
			}
		} else {
			err = errors.Join(err, log.Record(ctx, audit.Event{Tenant: n.Tenant, Actor: actor, Action: n.Action, Targets: []string{n.Target},
				Detail: n.Detail, RequestID: server.RequestIDFrom(ctx)}))
		}
		if ev, ok := webhooks.FromNotice(n); ok && hooks != nil {
			if _, perr := hooks.Publish(ctx, ev); perr != nil {
				err = errors.Join(err, fmt.Errorf("queue webhook %s: %w", n.Action, perr))
			}
		}
		return err
	})
}
