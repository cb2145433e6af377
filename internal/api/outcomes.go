package api

import (
	"context"
	"log/slog"
	"sync"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/server"
)

// Outcomes records the audit events that a request need not wait for: the
// outcome of a forward or proxy call. The call itself is recorded, durably,
// before any card data leaves; its outcome (the provider's status and
// latency) is recorded after the provider answered, and failing to record it
// never failed the request. Recording it in the background takes one durable
// commit off every forward's latency. A crash can lose the outcomes still in
// flight, exactly as a crash during the provider call always could; a clean
// stop waits for them (Wait).
type Outcomes struct {
	rec   Recorder
	log   *slog.Logger
	slots chan struct{}
	wg    sync.WaitGroup
}

// NewOutcomes records through rec, at most max events at once in the
// background; beyond that the caller records itself, so that a slow store
// slows forwards instead of growing memory. Failures go to log.
func NewOutcomes(rec Recorder, log *slog.Logger, max int) *Outcomes {
	return &Outcomes{rec: rec, log: log, slots: make(chan struct{}, max)}
}

// Record starts recording ev in the background and returns nil, or, when
// max events are already in flight, records it before returning and
// returns the error. The background record keeps ctx's values (request id,
// caller) but not its cancellation, since the request is over by then.
func (o *Outcomes) Record(ctx context.Context, ev audit.Event) error {
	select {
	case o.slots <- struct{}{}:
	default:
		return o.rec.Record(ctx, ev)
	}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		defer func() { <-o.slots }()
		ctx := context.WithoutCancel(ctx)
		if err := o.rec.Record(ctx, ev); err != nil {
			o.log.ErrorContext(ctx, "audit of an outcome failed", "action", ev.Action, "request_id", ev.RequestID,
				"err", server.RedactDigits(err.Error()))
		}
	}()
	return nil
}

// Wait blocks until every background record has finished, or ctx ends.
func (o *Outcomes) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { o.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var _ Recorder = (*Outcomes)(nil)
