package bench

import (
	"bytes"
	"io"
	"net/http"
)

// Relay is the floor for the forward scenario: a bare Go relay that makes
// the same provider call as a forward and nothing else (no authentication,
// card read, template or audit). Each request's body is posted to upstream
// with client and the answer copied back.
func Relay(client *http.Client, upstream string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, upstream, bytes.NewReader(body))
		if err != nil {
			http.Error(w, "request", http.StatusInternalServerError)
			return
		}
		req.Header.Set("Content-Type", r.Header.Get("Content-Type"))
		req.Header.Set("Idempotency-Key", r.Header.Get("Idempotency-Key"))
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, "upstream", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
}

// ThroughRelay sends the forward scenario's rendered body to the bare relay
// at relayURL, which passes it to the provider.
func ThroughRelay(client *http.Client, relayURL string) Op {
	return Direct(client, relayURL)
}
