package gr4vy_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/api/gr4vy"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// pspSecret is the merchant's credential at the provider: it must reach
// the upstream, and never a log.
const pspSecret = "psp-live-secret-4f1c9a2b7d"

// forwardTo posts a Vault Forward to the upstream's path with one card
// list, the given body and extra header pairs.
func forwardTo(t *testing.T, e *vaulttest.Env, key string, u *upstream, ids []string, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	h := []string{"Authorization", "Bearer " + key, "X-Vault-Forward-Url", u.URL + "/charges?ref=1",
		"X-Vault-Forward-Http-Method", "POST", "X-Vault-Forward-Payment-Methods", strings.Join(ids, ",")}
	return e.Do(t, "POST", "/vault-forward", body, append(h, headers...)...)
}

func TestForwardEveryPlaceholder(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	e := newEnv(t, u.rule(), forward.Options{})
	key := e.Key(t, vault.ScopeForward)
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "07/2031", `Ann O"Brien & <Co>`, "")
	session := sessionFor(t, e, id, "737")

	all := "{{ CARD_NUMBER_1 }}|{{CARD_EXPIRATION_DATE_1}}|{{ CARD_EXPIRATION_DATE_M_1 }}|{{ CARD_EXPIRATION_DATE_MM_1 }}|" +
		"{{ CARD_EXPIRATION_DATE_YY_1 }}|{{ CARD_EXPIRATION_DATE_YYYY_1 }}|{{ CARD_HOLDER_NAME_1 }}|{{ CARD_SECURITY_CODE_1 }}"
	for _, tc := range []struct {
		name, contentType, body, want string
		headers                       []string
	}{
		{"text", "text/plain", strings.ReplaceAll(all, "|{{ CARD_HOLDER_NAME_1 }}", ""), `4111111111111111|07/31|7|07|31|2031|737`, nil},
		{"JSON strings", "application/json",
			`{"n":"{{ CARD_NUMBER_1 }}","e":"{{ CARD_EXPIRATION_DATE_1 }}","h":"{{ CARD_HOLDER_NAME_1 }}","c":"{{ CARD_SECURITY_CODE_1 }}"}`,
			`{"n":"4111111111111111","e":"07/31","h":"Ann O\"Brien & <Co>","c":"737"}`, nil},
		{"JSON numbers", "application/json",
			`{"m":{{ CARD_EXPIRATION_DATE_M_1 }},"mm":{{ CARD_EXPIRATION_DATE_MM_1 }},"yy":{{ CARD_EXPIRATION_DATE_YY_1 }},"yyyy":{{ CARD_EXPIRATION_DATE_YYYY_1 }}}`,
			`{"m":7,"mm":07,"yy":31,"yyyy":2031}`, nil},
		{"placeholders as text wherever they stand", "", `{"mm": {{ CARD_EXPIRATION_DATE_MM_1 }}}`, `{"mm": 07}`, nil},
		{"XML", "application/xml", `<card><n>{{ CARD_NUMBER_1 }}</n><h>{{ CARD_HOLDER_NAME_1 }}</h></card>`,
			`<card><n>4111111111111111</n><h>Ann O&quot;Brien &amp; &lt;Co&gt;</h></card>`, nil},
		{"form", "application/x-www-form-urlencoded", `number={{ CARD_NUMBER_1 }}&name={{ CARD_HOLDER_NAME_1 }}`,
			`number=4111111111111111&name=Ann+O%22Brien+%26+%3CCo%3E`, nil},
		{"provider content type wins", "text/plain", `{"h":"{{ CARD_HOLDER_NAME_1 }}"}`, `{"h":"Ann O\"Brien & <Co>"}`,
			[]string{"X-Vault-Forward-Header-Content-Type", "application/json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(u.requests())
			resp, body := forwardTo(t, e, key, u, []string{id}, tc.body, append(append([]string{"Content-Type", tc.contentType}, tc.headers...),
				"X-Vault-Forward-Checkout-Session", session)...)
			if resp.StatusCode != http.StatusOK || string(body) != `{"ok":true}` {
				t.Fatalf("forward: %d %s", resp.StatusCode, body)
			}
			if got := resp.Header.Get("X-Vault-Forward-Http-Status-Code"); got != "201" {
				t.Errorf("x-vault-forward-http-status-code %q, want 201", got)
			}
			reqs := u.requests()
			if len(reqs) != before+1 {
				t.Fatalf("upstream saw %d requests, want 1", len(reqs)-before)
			}
			got := reqs[len(reqs)-1]
			if got.Body != tc.want || got.Method != "POST" || got.Path != "/charges?ref=1" {
				t.Errorf("upstream saw %s %s\n%s\nwant body\n%s", got.Method, got.Path, got.Body, tc.want)
			}
			// Only x-vault-forward-header-* headers reach the provider: the
			// caller's own Content-Type describes the body sent to the vault.
			wantCT := ""
			if len(tc.headers) > 0 {
				wantCT = tc.headers[1]
			}
			if ct := got.Header.Get("Content-Type"); ct != wantCT {
				t.Errorf("upstream content type %q, want %q", ct, wantCT)
			}
		})
	}
	e.AssertLogClean(t, visaPAN, "|737", `"c":"737"`, "Ann O", key)
}

func TestForwardSeveralCardsInHeaderOrder(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	e := newEnv(t, u.rule(), forward.Options{})
	key := e.Key(t, vault.ScopeForward)
	visa := storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", "V", "")
	mc := storeCard(t, e, vault.DefaultTenant, mastercardPAN, "02/2031", "M", "")
	amex := storeCard(t, e, vault.DefaultTenant, amexPAN, "03/2032", "A", "")
	unused := storeCard(t, e, vault.DefaultTenant, visaPAN, "04/2033", "U", "")
	session := sessionFor(t, e, amex, "1234")
	body := "{{ CARD_NUMBER_1 }} {{ CARD_EXPIRATION_DATE_1 }} {{ CARD_HOLDER_NAME_1 }}|" +
		"{{ CARD_NUMBER_2 }} {{ CARD_EXPIRATION_DATE_2 }} {{ CARD_SECURITY_CODE_2 }}|" +
		"{{ CARD_NUMBER_3 }} {{ CARD_EXPIRATION_DATE_YYYY_3 }} {{ CARD_HOLDER_NAME_3 }}"
	for _, method := range []string{"POST", "put", "Patch"} {
		resp, got := forwardTo(t, e, key, u, []string{mc, amex, visa, unused}, body,
			"Content-Type", "text/plain", "X-Vault-Forward-Http-Method", method, "X-Vault-Forward-Checkout-Session", session)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", method, resp.StatusCode, got)
		}
		seen := u.requests()[len(u.requests())-1]
		want := mastercardPAN + " 02/31 M|" + amexPAN + " 03/32 1234|" + visaPAN + " 2030 V"
		if seen.Body != want || seen.Method != strings.ToUpper(method) {
			t.Errorf("%s: upstream saw %s %q, want %q", method, seen.Method, seen.Body, want)
		}
	}
	// Several header lines and spaces after commas are one list.
	resp, got := e.Do(t, "POST", "/vault-forward", "{{ CARD_NUMBER_2 }}", "Authorization", "Bearer "+key,
		"X-Vault-Forward-Url", u.URL, "X-Vault-Forward-Http-Method", "POST",
		"X-Vault-Forward-Payment-Methods", " "+visa+" ,  "+mc, "Content-Type", "text/plain")
	if seen := u.requests()[len(u.requests())-1]; resp.StatusCode != 200 || seen.Body != mastercardPAN {
		t.Errorf("spaced list: %d %s, upstream saw %q", resp.StatusCode, got, seen.Body)
	}
	e.AssertLogClean(t, visaPAN, mastercardPAN, amexPAN, key)
}

func TestForwardHeaderRules(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Set("X-Psp-Request-Id", "psp-42")
		w.Header().Set("Content-Type", "application/vnd.psp+json; charset=utf-8")
		w.WriteHeader(http.StatusPaymentRequired)
		_, _ = w.Write([]byte(`{"declined":true}`))
	})
	e := newEnv(t, u.rule(), forward.Options{})
	key := e.Key(t, vault.ScopeForward)
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", "", "")

	resp, body := forwardTo(t, e, key, u, []string{id}, `{"n":"{{ CARD_NUMBER_1 }}"}`,
		"X-Vault-Forward-Header-Authorization", "Bearer "+pspSecret,
		"X-Vault-Forward-Header-Idempotency-Key", "order-7",
		"X-Api-Key", key, "Api-Key", key, "X-Custom", "not-for-the-provider", "User-Agent", "merchant/1.0")
	if resp.StatusCode != http.StatusOK || string(body) != `{"declined":true}` {
		t.Fatalf("forward: %d %s", resp.StatusCode, body)
	}
	for name, want := range map[string]string{
		"Content-Type":                            "application/vnd.psp+json; charset=utf-8",
		"X-Vault-Forward-Http-Status-Code":        "402",
		"X-Vault-Forward-Header-X-Psp-Request-Id": "psp-42",
		"X-Vault-Forward-Header-Content-Type":     "",
		"X-Vault-Forward-Error":                   "",
		"Set-Cookie":                              "",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("response %s = %q, want %q", name, got, want)
		}
	}
	if got := resp.Header.Values("X-Vault-Forward-Header-Set-Cookie"); !slices.Equal(got, []string{"a=1", "b=2"}) {
		t.Errorf("x-vault-forward-header-set-cookie = %q, want both values", got)
	}
	seen := u.requests()[0]
	if got := seen.Header.Get("Authorization"); got != "Bearer "+pspSecret {
		t.Errorf("upstream Authorization %q, want the provider's", got)
	}
	if got := seen.Header.Get("Idempotency-Key"); got != "order-7" {
		t.Errorf("upstream Idempotency-Key %q", got)
	}
	for name, vs := range seen.Header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-vault-forward") || lower == "x-api-key" || lower == "api-key" || lower == "x-custom" {
			t.Errorf("upstream received %s: %q", name, vs)
		}
		for _, v := range vs {
			if strings.Contains(v, key) {
				t.Errorf("upstream received the vault key in %s", name)
			}
		}
	}
	if ua := seen.Header.Get("User-Agent"); ua == "merchant/1.0" {
		t.Errorf("the caller's own User-Agent was relayed without the prefix")
	}

	// The vault's key in Authorization is never relayed when the provider gets none.
	forwardTo(t, e, key, u, []string{id}, `{}`)
	if got := u.requests()[1].Header.Get("Authorization"); got != "" {
		t.Errorf("upstream received Authorization %q from the vault's own credential", got)
	}
	// A forwarded header that carries the vault key is refused, unsent.
	resp, body = forwardTo(t, e, key, u, []string{id}, `{}`, "X-Vault-Forward-Header-X-Token", key)
	assertError(t, resp, body, http.StatusForbidden, "forbidden", "vault credential")
	if n := len(u.requests()); n != 2 {
		t.Errorf("a forward carrying the vault key reached the upstream (%d requests)", n)
	}
	e.AssertLogClean(t, visaPAN, pspSecret, key)
}

func TestForwardRelaysWhateverTheUpstreamAnswers(t *testing.T) {
	t.Parallel()
	other := newUpstream(t, nil)
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, other.URL+"/stolen", http.StatusFound)
		case "/untyped":
			w.Header()["Content-Type"] = nil
			_, _ = w.Write([]byte("<html>not sniffed</html>"))
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	e := newEnv(t, u.rule()+","+other.rule(), forward.Options{})
	key := e.Key(t, vault.ScopeForward)
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", "", "")
	do := func(path string) (*http.Response, []byte) {
		return e.Do(t, "POST", "/vault-forward", `{"n":"{{ CARD_NUMBER_1 }}"}`, "Authorization", "Bearer "+key,
			"X-Vault-Forward-Url", u.URL+path, "X-Vault-Forward-Http-Method", "POST", "X-Vault-Forward-Payment-Methods", id)
	}
	resp, body := do("/redirect")
	if resp.StatusCode != 200 || resp.Header.Get("X-Vault-Forward-Http-Status-Code") != "302" ||
		resp.Header.Get("X-Vault-Forward-Header-Location") != other.URL+"/stolen" {
		t.Errorf("redirect: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("the redirect was followed: the other upstream saw %d requests", n)
	}
	resp, body = do("/untyped")
	if resp.StatusCode != 200 || string(body) != "<html>not sniffed</html>" || resp.Header.Get("Content-Type") != "" {
		t.Errorf("untyped: %d content-type %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = do("/fail")
	if resp.StatusCode != 200 || resp.Header.Get("X-Vault-Forward-Http-Status-Code") != "500" || len(body) != 0 {
		t.Errorf("upstream 500: %d %v %s", resp.StatusCode, resp.Header, body)
	}
}

func TestForwardIsAudited(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	e := newEnv(t, u.rule(), forward.Options{})
	key := e.Key(t, vault.ScopeForward)
	a := storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", "", "")
	b := storeCard(t, e, vault.DefaultTenant, mastercardPAN, "01/2030", "", "")
	resp, body := forwardTo(t, e, key, u, []string{b, a}, `{"n":"{{ CARD_NUMBER_1 }}","m":"{{ CARD_NUMBER_2 }}"}`,
		"X-Vault-Forward-Header-Authorization", "Bearer "+pspSecret)
	if resp.StatusCode != 200 {
		t.Fatalf("forward: %d %s", resp.StatusCode, body)
	}
	entries := auditEntries(t, e)
	if len(entries) != 2 {
		t.Fatalf("%d audit entries, want 2 (before sending, and the outcome)", len(entries))
	}
	host := strings.TrimPrefix(u.URL, "http://")
	if before := entries[0]; before.Action != "forward" || before.Detail["outcome"] != "sending" || before.Detail["host"] != host ||
		!slices.Equal(before.Targets, []string{b, a}) || before.Detail["status"] != "" {
		t.Errorf("audit entry before sending %+v", before)
	}
	ev := entries[1]
	if ev.Action != "forward.result" || ev.Tenant != vault.DefaultTenant || !strings.HasPrefix(ev.Actor, "key_") ||
		!slices.Equal(ev.Targets, []string{b, a}) || ev.Detail["host"] != host || ev.Detail["status"] != "201" ||
		ev.Detail["outcome"] != "sent" || ev.Detail["method"] != "POST" || ev.Detail["latency_ms"] == "" || ev.RequestID == "" {
		t.Errorf("audit entry %+v", ev)
	}
	// The log gets one line per entry with the same facts (the test
	// environment logs at debug level).
	for _, want := range []string{`"msg":"forward"`, `"msg":"forward.result"`, `"outcome":"sending"`, `"status":"201"`, `"host":"` + host + `"`} {
		if !strings.Contains(e.Log.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, e.Log.String())
		}
	}
	e.AssertLogClean(t, visaPAN, mastercardPAN, pspSecret)
	raw, _ := json.Marshal(entries)
	for _, secret := range []string{visaPAN, mastercardPAN, pspSecret, "/charges", "ref=1"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("audit entry holds %q: %s", secret, raw)
		}
	}
	if _, err := e.Audit.Verify(t.Context(), vault.DefaultTenant); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	e.AssertLogClean(t, visaPAN, mastercardPAN, pspSecret, key)
}

// failingAudit is an audit log that cannot write.
type failingAudit struct{}

func (failingAudit) Record(context.Context, audit.Event) error {
	return errors.New("audit store is down")
}

func TestForwardWhenTheAuditFails(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	list, err := forward.ParseAllowlist(u.rule())
	if err != nil {
		t.Fatal(err)
	}
	relay := forward.NewRelay(list, forward.Options{})
	t.Cleanup(relay.Close)
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.Relay, d.Audit = relay, failingAudit{}
		return []server.Facade{gr4vy.New(d)}
	}})
	key := e.Key(t, vault.ScopeForward)
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", "", "")

	// Nothing sent yet: an unauditable dry run fails closed.
	resp, body := forwardTo(t, e, key, u, []string{id}, `{"n":"{{ CARD_NUMBER_1 }}"}`, "X-Vault-Forward-Dry-Run", "true")
	assertError(t, resp, body, http.StatusInternalServerError, "server_error", "request id")
	// A real forward is audited before it is sent: unauditable, nothing leaves.
	resp, body = forwardTo(t, e, key, u, []string{id}, `{"n":"{{ CARD_NUMBER_1 }}"}`)
	assertError(t, resp, body, http.StatusInternalServerError, "server_error", "request id")
	if n := len(u.requests()); n != 0 {
		t.Fatalf("an unaudited forward reached the provider %d times", n)
	}
	e.AssertLogClean(t, visaPAN, key)
}

// resultAuditFails is an audit log that records everything but the outcome
// of a sent forward.
type resultAuditFails struct{ api.Recorder }

func (r resultAuditFails) Record(ctx context.Context, ev audit.Event) error {
	if ev.Action == "forward.result" {
		return errors.New("audit store went down")
	}
	return r.Recorder.Record(ctx, ev)
}

func TestForwardWhoseOutcomeCannotBeAudited(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	list, err := forward.ParseAllowlist(u.rule())
	if err != nil {
		t.Fatal(err)
	}
	relay := forward.NewRelay(list, forward.Options{})
	t.Cleanup(relay.Close)
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.Relay, d.Audit = relay, resultAuditFails{d.Audit}
		return []server.Facade{gr4vy.New(d)}
	}})
	key := e.Key(t, vault.ScopeForward)
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", "", "")
	// Audited before sending; the card has then left, so the caller still
	// learns what the provider said.
	resp, body := forwardTo(t, e, key, u, []string{id}, `{"n":"{{ CARD_NUMBER_1 }}"}`)
	if resp.StatusCode != http.StatusOK || string(body) != `{"ok":true}` || len(u.requests()) != 1 {
		t.Fatalf("sent forward with a failing outcome audit: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(e.Log.String(), "audit of a sent forward failed") {
		t.Error("the failed audit of a sent forward was not logged")
	}
	if entries := auditEntries(t, e); len(entries) != 1 || entries[0].Detail["outcome"] != "sending" {
		t.Errorf("audit: %+v, want the entry made before sending", entries)
	}
	e.AssertLogClean(t, visaPAN, key)
}
