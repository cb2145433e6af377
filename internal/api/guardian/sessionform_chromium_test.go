package guardian_test

// Chromium set-up for the session form's browser tests, as the hosted form
// facade's tests do it: Debian's headless chromium, driven with chromedp.
// The tests skip without chromium unless CARDVAULT_TEST_REQUIRE_BROWSER=1.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/browsertest"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
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

// chromeFrame waits for the out-of-process iframe whose document comes
// from prefix and returns a context that runs actions inside it.
func chromeFrame(t *testing.T, tabCtx context.Context, prefix string) context.Context {
	t.Helper()
	for {
		infos, err := chromedp.Targets(tabCtx)
		if err != nil {
			t.Fatal(err)
		}
		var id target.ID
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, prefix) {
				id = info.TargetID
			}
		}
		if id != "" {
			ctx, cancel := chromedp.NewContext(tabCtx, chromedp.WithTargetID(id))
			t.Cleanup(cancel)
			return ctx
		}
		select {
		case <-tabCtx.Done():
			t.Fatalf("no iframe from %s appeared: %v", prefix, tabCtx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// pageState waits until the document is the form, the vault's error page
// or the browser's error page (a blocked frame) and says which.
func pageState(t *testing.T, ctx context.Context) string {
	t.Helper()
	return browsertest.Poll[string](t, ctx, `location.protocol === "chrome-error:" ? "blocked" :
		document.readyState !== "complete" ? "" :
		document.getElementById("cv-form") ? "form" :
		document.querySelector(".page-error") ? "error: " + document.querySelector(".page-error").textContent : ""`)
}

// typeCard fills the form's inputs by typing, key by key.
func typeCard(t *testing.T, frameCtx context.Context, values map[string]string) {
	t.Helper()
	for _, name := range []string{"card_number", "expiry", "cvv", "card_holder"} {
		if v, ok := values[name]; ok {
			browsertest.Do(t, frameCtx, chromedp.SendKeys(chromedp.ID("cv-"+name), v))
		}
	}
}
