package hostedform_test

// Browser tests: Debian's headless Chromium, driven with chromedp, loads the
// hosted form in an iframe on a merchant page of another origin, types a
// card and submits it, as a shopper would.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// merchant is a shop on another origin (localhost, not 127.0.0.1) whose
// checkout page embeds the form and records every message it receives.
type merchant struct {
	URL string
	// hits records the paths and queries the shop was asked for.
	mu   sync.Mutex
	hits []string
}

// newMerchant serves a checkout page framing src; src may hold %s for the
// merchant's own origin.
func newMerchant(t *testing.T, src func(origin string) string) *merchant {
	t.Helper()
	m := &merchant{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.hits = append(m.hits, r.URL.RequestURI())
		m.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path != "/" {
			fmt.Fprint(w, `<!doctype html><title>Done</title><p id="done">Thank you.</p>`)
			return
		}
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Checkout</title></head><body>
<h1>Checkout</h1>
<iframe id="card" title="Card details" src="%s" width="480" height="600" style="border:0"></iframe>
<script>
window.received = [];
window.addEventListener("message", function (e) {
  window.received.push({origin: e.origin, fromFrame: e.source === document.getElementById("card").contentWindow, data: e.data});
});
</script>
</body></html>`, src(m.URL))
	}))
	t.Cleanup(srv.Close)
	m.URL = strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	return m
}

// requested reports whether the shop was asked for uri.
func (m *merchant) requested(uri string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, h := range m.hits {
		if h == uri {
			return true
		}
	}
	return false
}

// expiryIn returns an expiry a few years ahead as typed (MMYY) and as sent (MM/YY).
func expiryIn(years int) (typed, sent string) {
	y := time.Now().Year() + years
	return fmt.Sprintf("12%02d", y%100), fmt.Sprintf("12/%02d", y%100)
}
