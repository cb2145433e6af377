package browsertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// Frame waits for the out-of-process iframe whose document comes from
// prefix and returns a context that runs actions inside it.
func Frame(t *testing.T, tabCtx context.Context, prefix string) context.Context {
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

// FormState waits until the document is the vault's card form ("form"), its
// error page ("error: " and the message) or the browser's error page for a
// blocked frame ("blocked"), and says which.
func FormState(t *testing.T, ctx context.Context) string {
	t.Helper()
	return Poll[string](t, ctx, `location.protocol === "chrome-error:" ? "blocked" :
		document.readyState !== "complete" ? "" :
		document.getElementById("cv-form") ? "form" :
		document.querySelector(".page-error") ? "error: " + document.querySelector(".page-error").textContent : ""`)
}

// TypeCard fills the card form's inputs (card_number, expiry, cvv,
// card_holder, reference) by typing, key by key, as a shopper would.
func TypeCard(t *testing.T, frameCtx context.Context, values map[string]string) {
	t.Helper()
	for _, name := range []string{"card_number", "expiry", "cvv", "card_holder", "reference"} {
		if v, ok := values[name]; ok {
			Do(t, frameCtx, chromedp.SendKeys(chromedp.ID("cv-"+name), v))
		}
	}
}
