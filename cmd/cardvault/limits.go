package main

import (
	"fmt"
	"time"

	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/ratelimit"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// limits are the request rate limits built from the configuration.
type limits struct {
	// keys are applied by every facade's key routes.
	keys server.KeyLimits
	// addr limits every request per client address, before authentication.
	addr   server.Limiter
	client ratelimit.ClientAddr
}

// rateLimits builds the limiters of CARDVAULT_RATE_LIMIT, _IP and
// _CARD_WRITES; each refusal is counted in cardvault_rate_limited_requests_total.
func rateLimits(c config.Config, ops *server.OpsMetrics) (limits, error) {
	proxies, err := ratelimit.ParsePrefixes(c.TrustedProxies)
	if err != nil {
		return limits{}, fmt.Errorf("trusted-proxies: %w", err)
	}
	return limits{
		keys:   server.KeyLimits{Every: limiter(c.RateLimit, ops), CardWrites: limiter(c.RateLimitCardWrites, ops)},
		addr:   limiter(c.RateLimitIP, ops),
		client: ratelimit.ClientAddr{Trusted: proxies},
	}, nil
}

// limiter returns a counted limiter for l, or nil (limits nothing) when l is off.
func limiter(l ratelimit.Limit, ops *server.OpsMetrics) server.Limiter {
	if l.Off() {
		return nil
	}
	return countedLimiter{Limiter: ratelimit.New(l, ratelimit.Options{}), ops: ops}
}

// countedLimiter counts the requests its limiter refuses.
type countedLimiter struct {
	*ratelimit.Limiter
	ops *server.OpsMetrics
}

// Allow takes a token for key and counts a refusal.
func (l countedLimiter) Allow(key string) (bool, time.Duration) {
	ok, wait := l.Limiter.Allow(key)
	if !ok {
		l.ops.RateLimited()
	}
	return ok, wait
}

// enumerationLimits is the enumeration guard's configuration
// (CARDVAULT_SUSPEND_*); 0 probes turns the guard off.
func enumerationLimits(c config.Config) vault.EnumerationLimits {
	probes := c.SuspendProbes
	if probes == 0 {
		probes = -1
	}
	return vault.EnumerationLimits{MaxProbes: probes, Window: c.SuspendWindow, ShortLived: c.SuspendShortLived}
}
