// Package api holds what every dialect facade is built from. The facades
// live in its subpackages, one per dialect; cmd/cardvault builds one Deps
// and passes it to each facade's New.
package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/bintable"
	"github.com/cardvault/cardvault/internal/connector"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/buyers"
	"github.com/cardvault/cardvault/internal/vault/cardtokens"
	"github.com/cardvault/cardvault/internal/vault/checkouts"
	"github.com/cardvault/cardvault/internal/vault/customers"
	"github.com/cardvault/cardvault/internal/vault/forms"
	"github.com/cardvault/cardvault/internal/vault/jwtkeys"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
	"github.com/cardvault/cardvault/internal/vault/sessions"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// Recorder records a security-relevant action; a facade fails the request
// when it cannot. *audit.Log is one.
type Recorder interface {
	Record(ctx context.Context, ev audit.Event) error
}

// Forwarder sends a rendered forward to an allow-listed destination (Do)
// or checks it without sending anything (Prepare, for dry runs).
// *forward.Relay is one.
type Forwarder interface {
	Do(ctx context.Context, req forward.Request) (*forward.Response, error)
	Prepare(ctx context.Context, req forward.Request) (*forward.Outbound, error)
}

// Tokenizer asks payment providers for their own token of a card through
// the operator's connectors. *connector.Tokenizer is one.
type Tokenizer interface {
	// Has reports whether a connector with this id is configured.
	Has(id string) bool
	// Tokenize sends the card to the connector's provider and returns the
	// provider's token, or a *connector.Error saying why there is none.
	Tokenize(ctx context.Context, id string, c forward.Card) (connector.Result, error)
}

var (
	_ Recorder  = (*audit.Log)(nil)
	_ Forwarder = (*forward.Relay)(nil)
	_ Tokenizer = (*connector.Tokenizer)(nil)
)

// Deps are the parts the facades are built from. Each facade uses the
// fields it needs; the comment on each says what its zero value means.
type Deps struct {
	// Vault is the core; it must not be nil.
	Vault *vault.Service
	// Customers, Sessions, Forms and PCI are the domains on Vault; a facade
	// that serves one needs it non-nil.
	Customers *customers.Service
	Sessions  *sessions.Service
	Forms     *forms.Service
	PCI       *pcivault.Service
	// Buyers keeps buyers and the cards that belong to them; nil answers
	// the buyer routes 404.
	Buyers *buyers.Service
	// CardTokens keeps payment providers' tokens of stored cards; nil
	// answers the Gr4vy payment-service token routes 404.
	CardTokens *cardtokens.Service
	// NetworkTokens provisions card-network tokens and their cryptograms
	// through the configured token service provider (CARDVAULT_TSP); nil
	// answers the network-token routes as not supported.
	NetworkTokens *networktokens.Service
	// Checkouts keeps checkout sessions; nil answers their routes 404.
	Checkouts *checkouts.Service
	// JWTKeys holds the public keys merchants sign JWTs with, and the uses
	// of those JWTs; nil refuses every JWT (API keys still work).
	JWTKeys *jwtkeys.Service
	// Webhooks keeps webhook endpoints and their deliveries; nil answers
	// the webhook routes 404.
	Webhooks *webhooks.Service
	// Audit records actions; it must not be nil.
	Audit Recorder
	// Outcomes records the outcomes of forwards and proxy calls (an
	// *Outcomes records them in the background); nil means Audit, so
	// the request waits for them.
	Outcomes Recorder
	// Log receives operational messages; nil means slog.Default().
	Log *slog.Logger
	// Relay sends forwards; nil refuses every forward.
	Relay Forwarder
	// Connectors tokenize cards with providers; nil means none is configured.
	Connectors Tokenizer
	// BINs answers metadata inquiries; nil means bintable.Default().
	BINs *bintable.Table
	// IdempotencyWait bounds how long a request waits for another request
	// with the same idempotency key to finish; 0 means 10 s.
	IdempotencyWait time.Duration
	// Limits are the per-key rate limits every facade's key routes apply;
	// the zero value limits nothing.
	Limits server.KeyLimits
	// PublicURL is the scheme and host (no path, no trailing slash) clients
	// reach the vault at (CARDVAULT_PUBLIC_URL), for absolute links and
	// session base_url; empty means not configured.
	PublicURL string
	// TrustHostHeader (CARDVAULT_TRUST_HOST_HEADER) lets a facade build
	// links from the request's Host header when PublicURL is empty.
	// Without either, links use the address the request arrived on, never
	// the Host header.
	TrustHostHeader bool
}

// OutcomeRecorder returns d.Outcomes, or d.Audit when it is nil.
func (d Deps) OutcomeRecorder() Recorder {
	if d.Outcomes == nil {
		return d.Audit
	}
	return d.Outcomes
}

// Logger returns d.Log, or slog.Default() when it is nil.
func (d Deps) Logger() *slog.Logger {
	if d.Log == nil {
		return slog.Default()
	}
	return d.Log
}
