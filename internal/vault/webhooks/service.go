package webhooks

import (
	"context"
	"log/slog"
	"time"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
)

// Sender checks and sends requests to allow-listed destinations;
// *forward.Relay is one, so webhooks get the forward relay's allowlist and
// SSRF guard.
type Sender interface {
	Do(ctx context.Context, req forward.Request) (*forward.Response, error)
	Prepare(ctx context.Context, req forward.Request) (*forward.Outbound, error)
}

var _ Sender = (*forward.Relay)(nil)

// Options tunes deliveries. Every zero field means the default it names.
type Options struct {
	// Timeout bounds one attempt (connect, send, read the answer); 0
	// means 10 s.
	Timeout time.Duration
	// Lease is how long a claimed delivery is kept from other nodes; a
	// node that dies mid-attempt delays that delivery by at most this
	// much. It must exceed Timeout, with room; 0 means 60 s (raised to
	// 3 × Timeout when shorter).
	Lease time.Duration
	// Backoff is the wait after the first failed attempt, doubled after
	// each next one up to MaxBackoff; 0 means 10 s.
	Backoff time.Duration
	// MaxBackoff caps the wait between attempts; 0 means 1 h.
	MaxBackoff time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is
	// marked failed; 0 means 20 (about 12 hours with the default waits).
	MaxAttempts int
	// Retention is how long a delivered or failed delivery stays
	// listable; 0 means 7 days.
	Retention time.Duration
	// Batch is how many deliveries one node sends at once; 0 means 8.
	Batch int
	// Scan bounds how many pending deliveries of a tenant one poll reads
	// looking for due ones; 0 means 5000.
	Scan int
	// Owner names this node in its leases; "" means a random id.
	Owner string
	// Observe, when not nil, is told each attempt's outcome: "delivered",
	// "retry" or "gave_up" (a metric).
	Observe func(outcome string)
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 60 * time.Second
	}
	o.Lease = max(o.Lease, 3*o.Timeout)
	if o.Backoff <= 0 {
		o.Backoff = 10 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 20
	}
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.Batch <= 0 {
		o.Batch = 8
	}
	if o.Scan <= 0 {
		o.Scan = 5000
	}
	if o.Owner == "" {
		o.Owner = randomID()
	}
	return o
}

// Service keeps a vault's webhook endpoints and their outbox, and
// delivers it. It is safe for concurrent use, and any number of Services
// on one store (one per node) may deliver at once.
type Service struct {
	v     *vault.Service
	relay Sender
	opts  Options
	log   *slog.Logger
}

// New returns the service over v, sending through relay (nil refuses every
// endpoint), logging to log (nil means slog.Default()).
func New(v *vault.Service, relay Sender, log *slog.Logger, o Options) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{v: v, relay: relay, opts: o.withDefaults(), log: log}
}
