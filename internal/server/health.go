package server

import (
	"log/slog"
	"net/http"
	"sync/atomic"
)

// healthBody is what handleHealth answers, as Encode writes it.
var healthBody = []byte(`{"status":"ok"}` + "\n")

// handleHealth answers while the process is alive: what Encode would
// write for {"status":"ok"}, without encoding it on every probe.
func handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jsonHeader(w.Header())
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(healthBody)
	})
}

// handleReady answers 200 when the vault can serve and 503 otherwise: while
// draining for a shutdown, or while the store is unreachable or cannot write
// (no writable primary during a database failover).
func handleReady(rc ReadyChecker, log *slog.Logger, draining *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			Encode(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
			return
		}
		if rc != nil {
			if err := rc.Ready(r.Context()); err != nil {
				log.WarnContext(r.Context(), "not ready", "err", err)
				Encode(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
				return
			}
		}
		Encode(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}
