package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// RequestIDHeader carries the request id in both directions.
const RequestIDHeader = "X-Request-Id"

// RequestIDFrom returns the id the server gave this request ("" outside
// one).
func RequestIDFrom(ctx context.Context) string {
	if slot, ok := ctx.Value(requestSlotKey{}).(*requestSlot); ok {
		return slot.id
	}
	return ""
}

// safeRequestID is what a caller-supplied request id may look like.
var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// digitCount counts the digits in s.
func digitCount(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// requestIDFor is the id of r: the caller's when it is safe to log (short,
// plain, and with fewer than 12 digits so it can never carry a card number
// whatever the separators), else a fresh one.
func requestIDFor(r *http.Request) string {
	id := r.Header.Get(RequestIDHeader)
	if safeRequestID.MatchString(id) && digitCount(id) < 12 {
		return id
	}
	var b [4 + 24]byte
	copy(b[:], "req_")
	var random [12]byte
	_, _ = rand.Read(random[:])
	hex.Encode(b[4:], random[:])
	return string(b[:])
}

// limitBody caps the request body; reading past the cap fails, and Decode
// turns that failure into a 413.
func limitBody(next http.Handler, max int64, facades []Facade) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writerFor(facades, r.URL.Path)(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", max))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic into a logged 500 with the request id.
func recoverPanics(next http.Handler, log *slog.Logger, facades []Facade) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil || v == http.ErrAbortHandler {
				if v != nil {
					panic(v)
				}
				return
			}
			log.ErrorContext(r.Context(), "panic serving request", "request_id", RequestIDFrom(r.Context()),
				"panic", RedactDigits(fmt.Sprint(v)), "stack", RedactDigits(string(debug.Stack())))
			writerFor(facades, r.URL.Path)(w, r, http.StatusInternalServerError,
				"internal error (request id "+RequestIDFrom(r.Context())+")")
		}()
		next.ServeHTTP(w, r)
	})
}

// loggedWriter records what a handler wrote, for the access log and metrics.
type loggedWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader records the status. Every 503 tells the client when to retry
// (Retry-After: 1 unless the handler chose a value): a 503 from the vault
// means "not now" (a store failover, a drain), never "this request is wrong".
func (w *loggedWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		defaultPolicy(w.Header())
	}
	if code == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *loggedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
		defaultPolicy(w.Header())
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *loggedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestSlot is the state of one request that the server's middleware
// shares through its context: the request id, the caller, filled by
// SetPrincipal (handlers authenticate in the facades), and the route
// pattern, filled by routed (so the request is matched once there, not
// again for the log). One value in one context per request, set by
// accessLog.
type requestSlot struct {
	id     string
	p      vault.Principal
	route  string
	routed bool
}

type requestSlotKey struct{}

// SetPrincipal records the authenticated caller for the access log and
// returns a context carrying it for the handlers.
func SetPrincipal(ctx context.Context, p vault.Principal) context.Context {
	if slot, ok := ctx.Value(requestSlotKey{}).(*requestSlot); ok {
		slot.p = p
	}
	return vault.WithPrincipal(ctx, p)
}

// setRoute records the route pattern the router matched ("" for none).
func setRoute(ctx context.Context, pattern string) {
	if slot, ok := ctx.Value(requestSlotKey{}).(*requestSlot); ok {
		slot.route, slot.routed = pattern, true
	}
}

// credentialLike matches a path segment that may be a credential: 32 or
// more URL-safe characters (session ids, secrets).
var credentialLike = regexp.MustCompile(`^[A-Za-z0-9_-]{32,}$`)

// uuidLike matches the vault's UUID ids, which are not credentials.
var uuidLike = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// logPath is the path the access log records: card-number-like digits are
// always masked, and for requests no route matched, or that were redirected
// (the router's path cleaning), every credential-like segment too, since no
// facade had the chance to hide its secrets there.
func logPath(path, pattern string, status int) string {
	path = RedactDigits(path)
	if pattern != "unmatched" && (status < 300 || status >= 400) {
		return path
	}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if credentialLike.MatchString(seg) && !uuidLike.MatchString(seg) {
			segs[i] = "[redacted]"
		}
	}
	return strings.Join(segs, "/")
}

// accessLog gives every request its id (echoed in the response, see
// requestIDFor) and writes one JSON line per request: never a body, never
// a query string (PCI Vault puts passphrases and card numbers there), and
// the path with every run of card-number-like digits masked. It also
// records the request's metrics.
func accessLog(next http.Handler, log *slog.Logger, m *metrics, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		slot := &requestSlot{id: requestIDFor(r)}
		w.Header().Set(RequestIDHeader, slot.id)
		lw := &loggedWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), requestSlotKey{}, slot))
		next.ServeHTTP(lw, r)
		if lw.status == 0 {
			lw.status = http.StatusOK
		}
		elapsed := time.Since(start)
		pattern := slot.route
		if !slot.routed { // refused before routing (a rate limit)
			_, pattern = mux.Handler(r)
		}
		if pattern == "" {
			pattern = "unmatched"
		}
		m.observe(pattern, r.Method, lw.status, elapsed)
		if !log.Enabled(r.Context(), slog.LevelInfo) {
			return
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", slot.id),
			slog.String("method", knownMethod(r.Method)),
			slog.String("route", pattern),
			slog.String("path", logPath(r.URL.Path, pattern, lw.status)),
			slog.Int("status", lw.status),
			slog.Int64("bytes", lw.bytes),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.String("remote", r.RemoteAddr),
			slog.String("tenant", slot.p.Tenant),
			slog.String("key_id", slot.p.KeyID),
		)
	})
}
