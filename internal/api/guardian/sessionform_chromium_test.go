package guardian_test

// Chromium set-up for the session form's browser tests, as the hosted form
// facade's tests do it: Debian's headless chromium, driven with chromedp.
// The tests skip without chromium unless CARDVAULT_TEST_REQUIRE_BROWSER=1.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// shop is a merchant on another origin (localhost, not 127.0.0.1) whose
// checkout page frames a session form and records every message it receives.
type shop struct {
	URL string
	mu  sync.Mutex
	src string
}

// newShop serves a checkout page; frame sets what it frames.
func newShop(t *testing.T) *shop {
	t.Helper()
	s := &shop{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		src := s.src
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Checkout</title></head><body>
<h1>Checkout</h1>
<iframe id="card" title="Card details" src="%s" width="480" height="600" style="border:0"></iframe>
<script>
window.received = [];
window.addEventListener("message", function (e) { window.received.push({origin: e.origin, data: e.data}); });
</script>
</body></html>`, src)
	}))
	t.Cleanup(srv.Close)
	s.URL = strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	return s
}

// frame sets the URL the checkout page frames.
func (s *shop) frame(src string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.src = src
}
