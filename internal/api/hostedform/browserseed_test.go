package hostedform_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cardvault/cardvault/internal/browsertest"
	"github.com/cardvault/cardvault/internal/vaulttest"

	"github.com/chromedp/chromedp"
)

// seed001Callback is seed 001's success callback exactly as its Python
// example writes it, before base64.
const seed001Callback = "function(responseData, requestData) {\n" +
	"    const reference = responseData.reference;\n" +
	"    window.location.replace(`https://mywebsite.com/update/success?reference=${reference}`);\n" +
	"}"

// seed001Body is the body seed 001 posts to /v1/capture/iframe?form_type=pcd,
// as Python's json.dumps writes it: no allowed_origins, the merchant's
// success page on https://mywebsite.com.
func seed001Body() string {
	return `{"success_callback": "` + base64.StdEncoding.EncodeToString([]byte(seed001Callback)) + `", ` +
		`"field_options": {"reference": {"visible": false}, "card_holder": {"visible": false}, ` +
		`"expiry": {"visible": false}, "card_number": {"visible": false}}}`
}

// TestBrowserSeed001FormInAnHTTPSShop replays seed 001's hosted-form update
// in Chromium with the seed's body unchanged: a shop on an https origin
// frames the form, the shopper types a CVV, the vault merges it into the
// locked card, and the seed's callback sends the frame to
// https://mywebsite.com. No message with the token goes to the shop, which
// the form does not list. A form whose allowed_origins name another origin
// cannot be framed by the shop.
func TestBrowserSeed001FormInAnHTTPSShop(t *testing.T) {
	success := make(chan string, 4)
	site := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		success <- r.URL.RequestURI()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Updated</title><p id="done">Card updated.</p>`)
	}))
	t.Cleanup(site.Close)
	shop := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Update card</title></head><body>
<iframe id="card" title="Card details" src="%s" width="480" height="600" style="border:0"></iframe>
<script>
window.received = [];
window.addEventListener("message", function (e) { window.received.push({origin: e.origin, data: e.data}); });
</script></body></html>`, r.URL.Query().Get("src"))
	}))
	t.Cleanup(shop.Close)
	styles := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, `h1{color:rgb(4, 5, 6)}`)
	}))
	t.Cleanup(styles.Close)
	browser := browsertest.Start(t, browsertest.MapHosts(map[string]string{
		"mywebsite.com": site.Listener.Addr().String(), "shop.test": shop.Listener.Addr().String(),
		"styles.test": styles.Listener.Addr().String()})...)

	e := newEnv(t)
	e.setup(t)
	s := e.store(t, "my-reference", storedCard)
	ep := e.createEndpoint(t, "ttl", "PT10M", "token", s.Token, "reference", "my-reference")
	resp, body := e.call(t, "POST", "/v1/capture/iframe?form_type=pcd", seed001Body())
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	f := vaulttest.Decode[created](t, body)

	page := browsertest.Tab(t, browser)
	browsertest.Do(t, page, chromedp.Navigate("https://shop.test/?"+q("src", e.URL+formPath(f.ID, ep))[1:]))
	fr := browsertest.Frame(t, page, e.URL+"/v1/capture/iframe/")
	if got := browsertest.FormState(t, fr); got != "form" {
		t.Fatalf("in an https shop the seed's form is %s", got)
	}
	browsertest.TypeCard(t, fr, map[string]string{"cvv": "456"})
	browsertest.Do(t, fr, chromedp.Click(chromedp.ID("cv-submit")))
	select {
	case uri := <-success:
		if uri != "/update/success?reference=my-reference" {
			t.Errorf("the callback led to %s", uri)
		}
	case <-page.Done():
		t.Fatal("the seed's callback never reached https://mywebsite.com")
	}
	if got := e.reveal(t, s.Token, "my-reference"); got["cvv"] != "456" || got["card_holder"] != "J DOE" || got["card_number"] != pan {
		t.Errorf("after the update the card reads %v", got)
	}
	if n := browsertest.Eval[int](t, page, `window.received.length`); n != 0 {
		t.Errorf("the shop, which the form does not list, received %d messages", n)
	}

	t.Run("allowed_origins narrows who may frame", func(t *testing.T) {
		f := e.createForm(t, `{"allowed_origins":["https://other.example"]}`)
		ep := e.createEndpoint(t, "ttl", "PT10M")
		page := browsertest.Tab(t, browser)
		browsertest.Do(t, page, chromedp.Navigate("https://shop.test/?"+q("src", e.URL+formPath(f.ID, ep))[1:]))
		if got := browsertest.FormState(t, browsertest.Frame(t, page, e.URL+"/v1/capture/iframe/")); got != "blocked" {
			t.Errorf("a form listing only https://other.example loaded in https://shop.test: %s", got)
		}
	})
	t.Run("css_links and embedded_css apply under the policy", func(t *testing.T) {
		f := e.createForm(t, styledForm("https://styles.test/form.css"))
		ep := e.createEndpoint(t, "ttl", "PT10M")
		page := browsertest.Tab(t, browser)
		browsertest.Do(t, page, chromedp.Navigate("https://shop.test/?"+q("src", e.URL+formPath(f.ID, ep))[1:]))
		fr := browsertest.Frame(t, page, e.URL+"/v1/capture/iframe/")
		if got := browsertest.FormState(t, fr); got != "form" {
			t.Fatalf("the styled form is %s", got)
		}
		got := browsertest.Poll[[]string](t, fr, `getComputedStyle(document.querySelector("h1")).color === "rgb(4, 5, 6)" ?
			[getComputedStyle(document.querySelector("main")).borderTopColor, String(document.getElementById("cv-scheme").hidden)] : null`)
		if got[0] != "rgb(1, 2, 3)" || got[1] != "true" {
			t.Errorf("embedded_css and hide_card give %q", got)
		}
	})
	e.AssertLogClean(t, ep.Secret, pan, "456")
}
