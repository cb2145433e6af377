package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
)

// errGone is the reason of a delivery whose endpoint was deleted.
const errGone = "the endpoint was deleted"

// Run delivers due deliveries every interval until ctx ends. Every node
// runs it; claims keep them from sending one delivery twice at once.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "deliver webhooks", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DeliverDue claims up to Options.Batch due deliveries across all tenants,
// sends them at once and records each outcome; it reports how many it
// attempted.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	claimed, err := s.claimDue(ctx)
	var wg sync.WaitGroup
	for _, r := range claimed {
		wg.Go(func() {
			if ferr := s.attempt(ctx, r); ferr != nil {
				s.log.ErrorContext(ctx, "record a webhook attempt", "delivery", r.ID, "err", ferr)
			}
		})
	}
	wg.Wait()
	return len(claimed), err
}

// claimDue walks every tenant's pending deliveries, oldest first, and
// claims due ones until it has a batch. A tenant whose deliveries cannot be
// read is logged and skipped; only an error listing tenants is returned.
func (s *Service) claimDue(ctx context.Context) ([]vault.Stored[deliveryData], error) {
	var out []vault.Stored[deliveryData]
	tp := vault.Page{Limit: 500}
	for {
		tenants, err := s.v.ListTenants(ctx, tp)
		if err != nil {
			return out, err
		}
		for _, t := range tenants {
			var terr error
			// One tenant's unreadable delivery must not stop the others'.
			if out, terr = s.claimTenant(ctx, t.ID, out); terr != nil {
				s.log.ErrorContext(ctx, "claim webhook deliveries", "tenant", t.ID, "err", terr)
			}
			if len(out) >= s.opts.Batch || ctx.Err() != nil {
				return out, ctx.Err()
			}
		}
		if len(tenants) < tp.Limit {
			return out, nil
		}
		tp.After = tenants[len(tenants)-1].ID
	}
}

func (s *Service) claimTenant(ctx context.Context, tenant string, out []vault.Stored[deliveryData]) ([]vault.Stored[deliveryData], error) {
	p := vault.Page{Limit: 200}
	for scanned := 0; scanned < s.opts.Scan; {
		rs, err := deliveries.List(ctx, s.v, tenant, parentPending, p)
		if err != nil {
			return out, err
		}
		scanned += len(rs)
		for _, r := range rs {
			got, ok, err := s.claim(ctx, r, s.v.Now())
			if err != nil {
				return out, err
			}
			if ok {
				if out = append(out, got); len(out) >= s.opts.Batch {
					return out, nil
				}
			}
		}
		if len(rs) < p.Limit {
			break
		}
		p.After = rs[len(rs)-1].ID
	}
	return out, nil
}

// attempt sends one claimed delivery and records the outcome. The attempt
// is cut off at Options.Timeout, which the lease outlasts, so no other
// node can be sending it at the same time.
func (s *Service) attempt(ctx context.Context, r vault.Stored[deliveryData]) error {
	d := r.Value
	ep, err := s.endpoint(ctx, s.v, r.Tenant, d.EndpointID)
	if vault.CodeOf(err) == vault.CodeNotFound {
		return s.finish(ctx, r, 0, errGone)
	}
	if err != nil {
		return err
	}
	now := s.v.Now()
	timeout := min(s.opts.Timeout, d.LeaseUntil.Sub(now)/2)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "cardvault-webhooks")
	h.Set(SignatureHeader, Sign(ep.Value.Secret, now, d.Body))
	h.Set("Cardvault-Event-Id", d.EventID)
	h.Set("Cardvault-Event-Type", d.EventType)
	h.Set("Cardvault-Delivery-Id", r.ID)
	h.Set("Cardvault-Delivery-Attempt", strconv.Itoa(d.Attempts))
	resp, err := s.send(ctx, ep.Value.URL, h, d.Body, timeout)
	status, reason := 0, ""
	switch {
	case err != nil:
		reason = err.Error()
	case resp.Status < 200 || resp.Status > 299:
		status, reason = resp.Status, fmt.Sprintf("the endpoint answered %d", resp.Status)
	default:
		status = resp.Status
	}
	if reason != "" {
		s.log.InfoContext(ctx, "webhook attempt failed", "delivery", r.ID, "event", d.EventID, "attempt", d.Attempts,
			"reason", reason)
	}
	// Record the outcome even if ctx ended meanwhile: the attempt happened.
	return s.finish(context.WithoutCancel(ctx), r, status, reason)
}

// send posts body through the relay, so the allowlist and SSRF checks of
// registration hold again at send time (a DNS answer may have changed).
func (s *Service) send(ctx context.Context, url string, h http.Header, body []byte, timeout time.Duration) (*forward.Response, error) {
	if timeout <= 0 {
		return nil, errors.New("the lease ran out before the attempt")
	}
	if s.relay == nil {
		return nil, errors.New("no destinations are configured")
	}
	return s.relay.Do(ctx, forward.Request{Method: http.MethodPost, URL: url, Header: h, Body: body, Timeout: timeout})
}
