package server

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/cardvault/cardvault/internal/ratelimit"
	"github.com/cardvault/cardvault/internal/vault"
)

// Rate limits: one middleware per key kind, each answering 429 with
// Retry-After (whole seconds, rounded up) through a Refusal in the calling
// facade's own error shape.
//
// Wiring (cmd/cardvault builds the limiters from CARDVAULT_RATE_LIMIT,
// CARDVAULT_RATE_LIMIT_IP, CARDVAULT_RATE_LIMIT_CARD_WRITES and
// CARDVAULT_TRUSTED_PROXIES):
//
//   - per client address, every route: wrap the whole handler once,
//     LimitByAddr(ipLimiter, ratelimit.ClientAddr{Trusted: proxies},
//     RefuseInShape(facades), h), inside the access log so refusals are
//     logged;
//   - per API key, every authenticated route: wrap the handler that runs
//     after authentication, RequireKey(auth, challenge, scope, fail,
//     LimitByKey(keyLimiter, refuse, h)), so the principal is known;
//   - card-creating routes (store a card, tokenize, capture): the same with
//     the card-writes limiter, inside the per-key one:
//     LimitByKey(keyLimiter, refuse, LimitByKey(cardLimiter, refuse, h)).
//
// A facade's refuse is func(w, r, retryAfter) { f.WriteError(w, r, 429,
// msg) }, or RefuseInShape([]Facade{f}).

// Limiter is what the rate-limit middleware needs: take one token from a
// key's bucket, or say how long until there is one. *ratelimit.Limiter
// implements it.
type Limiter interface {
	Allow(key string) (ok bool, retryAfter time.Duration)
}

// Refusal writes a rate-limit refusal (status 429) in a facade's own error
// shape. The middleware has already set Retry-After; retryAfter is the
// exact wait, for a message or a vendor field.
type Refusal func(w http.ResponseWriter, r *http.Request, retryAfter time.Duration)

// RateLimitMessage is the message RefuseInShape writes.
const RateLimitMessage = "too many requests: slow down and retry after the number of seconds in Retry-After"

// RefuseInShape returns a Refusal that writes through the error writer of
// the facade owning the path (WriteNativeError when none does).
func RefuseInShape(facades []Facade) Refusal {
	return func(w http.ResponseWriter, r *http.Request, _ time.Duration) {
		writerFor(facades, r.URL.Path)(w, r, http.StatusTooManyRequests, RateLimitMessage)
	}
}

// LimitByAddr limits requests per client address (see ratelimit.ClientAddr
// and ratelimit.AddrKey). A request whose address cannot be read is let
// through. A nil l limits nothing.
func LimitByAddr(l Limiter, addr ratelimit.ClientAddr, refuse Refusal, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := ratelimit.AddrKey(addr.Of(r))
		if key != "" && !allow(l, "ip "+key, refuse, w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// LimitByKey limits requests per API key: the principal that
// authentication put in the request's context (tenant and key id). Put it
// after authentication; a request without a principal is let through. A
// nil l limits nothing.
func LimitByKey(l Limiter, refuse Refusal, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := vault.PrincipalFrom(r.Context())
		if ok && !allow(l, "key "+p.Tenant+"/"+p.KeyID, refuse, w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allow takes a token for key, or writes the refusal and returns false.
func allow(l Limiter, key string, refuse Refusal, w http.ResponseWriter, r *http.Request) bool {
	ok, wait := l.Allow(key)
	if ok {
		return true
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	refuse(w, r, wait)
	return false
}
