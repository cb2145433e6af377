package server

import (
	"log/slog"
	"net/http"
)

// handleHealth answers while the process is alive.
func handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Encode(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// handleReady answers 200 when the vault can serve and 503 otherwise.
func handleReady(rc ReadyChecker, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
