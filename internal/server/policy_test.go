package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// An answer whose handler set no policy (an API answer, or a provider's
// HTML page that a forward relays) is sandboxed; a page that set its own
// keeps it.
func TestDefaultPolicy(t *testing.T) {
	f := testFacade{prefix: "/p", routes: func(m *Mux) {
		m.Handle("GET /p/relayed", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<script>alert(1)</script>"))
		}))
		m.Handle("GET /p/status", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
		}))
		m.Handle("GET /p/page", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", "script-src 'nonce-x'")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			_, _ = w.Write([]byte("<p>page</p>"))
		}))
	}}
	ts := httptest.NewServer(New(Config{Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry(), Facades: []Facade{f}}))
	t.Cleanup(ts.Close)
	for path, want := range map[string]string{
		"/p/relayed": DefaultPolicy,
		"/p/status":  DefaultPolicy,
		"/p/page":    "script-src 'nonce-x'",
		"/healthz":   DefaultPolicy,
	} {
		resp, _ := get(t, "GET", ts.URL+path, "")
		if got := resp.Header.Values("Content-Security-Policy"); len(got) != 1 || got[0] != want {
			t.Errorf("%s: policy %q, want %q", path, got, want)
		}
		if got := resp.Header.Values("X-Content-Type-Options"); len(got) != 1 || got[0] != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", path, got)
		}
	}
}
