package pcivault

import (
	"errors"
	"net/http"

	"github.com/cardvault/cardvault/internal/server"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
)

// SecretHeader carries a capture endpoint's secret.
const SecretHeader = "X-PCIVault-Capture-Secret"

// capture stores data posted by a third party: POST /v1/capture/{id} with
// the endpoint's secret in SecretHeader and no account credentials. It is
// a POST /v1/vault whose key and passphrase are the endpoint: the same
// query options (reference, number, algorithm, rules) with the same
// errors, and the same trio in answer.
func (a *API) capture(w http.ResponseWriter, r *http.Request) error {
	if err := unsupported(r, "rules"); err != nil {
		return err
	}
	raw, err := readBody(w, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	c, ref, err := a.pci.Capture(r.Context(), r.PathValue("id"), r.Header.Get(SecretHeader),
		pv.Posted{Reference: q.Get("reference"), Number: q.Get("number"), Data: raw})
	if err != nil {
		if errors.Is(err, pv.ErrCaptureBurned) {
			a.log.WarnContext(r.Context(), "pcivault capture endpoint deleted after repeated refused card numbers",
				"request_id", server.RequestIDFrom(r.Context()), "capture_id", server.RedactDigits(r.PathValue("id")))
		}
		return err
	}
	server.Encode(w, http.StatusOK, entryView(ref))
	a.log.InfoContext(r.Context(), "pcivault capture", "request_id", server.RequestIDFrom(r.Context()),
		"tenant", c.Tenant, "capture_id", server.RedactDigits(c.ID), "locked", c.Lockdown != nil)
	return nil
}

// cors lets browsers on any origin call next. That is safe here: the
// endpoint's secret, sent in a header, is the only credential, and no
// cookie or other ambient authority is honoured (no Allow-Credentials).
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", SecretHeader+", Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		next.ServeHTTP(w, r)
	})
}

// preflight answers a browser's CORS preflight for the capture route.
func preflight() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
}
