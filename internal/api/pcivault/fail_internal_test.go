package pcivault

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
)

// The PCI Vault domain's own codes get their statuses, in PCI Vault's error
// shape: a reached limit is a 429, too many unlocks waiting a 503 that
// asks the client to retry after a second.
func TestFailStatuses(t *testing.T) {
	a := &API{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, c := range []struct {
		err        error
		status     int
		body       string
		retryAfter string
	}{
		{pv.ErrBusy, http.StatusServiceUnavailable, `{"error":"busy, try again"}`, "1"},
		{pv.ErrCaptureLimit, http.StatusTooManyRequests, `{"error":"` + pv.ErrCaptureLimit.Public + `"}`, ""},
		{vault.Invalid("x", "bad x"), http.StatusBadRequest, `{"error":"bad x"}`, ""},
	} {
		w := httptest.NewRecorder()
		a.fail(w, httptest.NewRequest("POST", "/v1/key", nil), c.err)
		if w.Code != c.status || strings.TrimSpace(w.Body.String()) != c.body || w.Header().Get("Retry-After") != c.retryAfter {
			t.Errorf("%v: %d %s Retry-After %q", c.err, w.Code, w.Body, w.Header().Get("Retry-After"))
		}
	}
}
