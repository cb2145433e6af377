package gr4vy_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestForwardBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	e := newEnv(t, u.rule(), forward.Options{})
	key := e.Key(t, vault.ScopeForward)
	reader := e.Key(t, vault.ScopeCardsRead)
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", "", "")
	withCode := storeCard(t, e, vault.DefaultTenant, mastercardPAN, "01/2030", "", "321")
	e.TenantKey(t, "other") // makes the tenant
	foreign := storeCard(t, e, "other", visaPAN, "01/2030", "", "")
	missing := uuid.NewString()
	var many []string
	for range 101 {
		many = append(many, uuid.NewString())
	}
	const ok = `{"n":"{{ CARD_NUMBER_1 }}"}`
	for _, tc := range []struct {
		name    string
		body    string
		headers []string // replace or add to the valid defaults; "" value removes
		status  int
		code    string
		pointer string
		want    string
	}{
		{"url missing", ok, []string{"X-Vault-Forward-Url", ""}, 400, "bad_request", "/x-vault-forward-url", "required"},
		{"url malformed", ok, []string{"X-Vault-Forward-Url", "http://[::1"}, 400, "bad_request", "/x-vault-forward-url", "not a valid URL"},
		{"url relative", ok, []string{"X-Vault-Forward-Url", "/charges"}, 400, "bad_request", "/x-vault-forward-url", "https"},
		{"url ftp", ok, []string{"X-Vault-Forward-Url", "ftp://127.0.0.1/x"}, 400, "bad_request", "/x-vault-forward-url", "https"},
		{"url with user info", ok, []string{"X-Vault-Forward-Url", strings.Replace(u.URL, "http://", "http://user:pw@", 1)}, 400, "bad_request", "/x-vault-forward-url", "user info"},
		{"method missing", ok, []string{"X-Vault-Forward-Http-Method", ""}, 400, "bad_request", "/x-vault-forward-http-method", "required"},
		{"method GET", ok, []string{"X-Vault-Forward-Http-Method", "GET"}, 400, "bad_request", "/x-vault-forward-http-method", "POST, PUT or PATCH"},
		{"method DELETE", ok, []string{"X-Vault-Forward-Http-Method", "DELETE"}, 400, "bad_request", "/x-vault-forward-http-method", "POST, PUT or PATCH"},
		{"payment methods missing", ok, []string{"X-Vault-Forward-Payment-Methods", ""}, 400, "bad_request", "/x-vault-forward-payment-methods", "required"},
		{"payment methods empty entry", ok, []string{"X-Vault-Forward-Payment-Methods", id + ",,"}, 400, "bad_request", "/x-vault-forward-payment-methods", "empty entry"},
		{"payment method not a UUID", ok, []string{"X-Vault-Forward-Payment-Methods", visaPAN}, 400, "bad_request", "/x-vault-forward-payment-methods", "not a payment method id"},
		{"payment methods duplicated", ok, []string{"X-Vault-Forward-Payment-Methods", id + "," + strings.ToUpper(id)}, 400, "bad_request", "/x-vault-forward-payment-methods", "repeats"},
		{"more than 100 payment methods", ok, []string{"X-Vault-Forward-Payment-Methods", strings.Join(many, ",")}, 400, "bad_request", "/x-vault-forward-payment-methods", "more than 100"},
		{"payment method unknown", ok, []string{"X-Vault-Forward-Payment-Methods", id + "," + missing}, 404, "not_found", "", "could not be found"},
		{"payment method of another tenant", ok, []string{"X-Vault-Forward-Payment-Methods", foreign}, 404, "not_found", "", "could not be found"},
		{"timeout zero", ok, []string{"X-Vault-Forward-Timeout", "0"}, 400, "bad_request", "/x-vault-forward-timeout", "at least 1"},
		{"timeout negative", ok, []string{"X-Vault-Forward-Timeout", "-3"}, 400, "bad_request", "/x-vault-forward-timeout", "at least 1"},
		{"timeout not a number", ok, []string{"X-Vault-Forward-Timeout", "1.5"}, 400, "bad_request", "/x-vault-forward-timeout", "whole number"},
		{"dry run not a boolean", ok, []string{"X-Vault-Forward-Dry-Run", "maybe"}, 400, "bad_request", "/x-vault-forward-dry-run", "true or false"},
		{"checkout session unknown", ok, []string{"X-Vault-Forward-Checkout-Session", uuid.NewString()}, 404, "not_found", "", "checkout session"},
		{"checkout session not a UUID", ok, []string{"X-Vault-Forward-Checkout-Session", "cs-1"}, 400, "bad_request", "/x-vault-forward-checkout-session", "UUID"},
		{"authentications", ok, []string{"X-Vault-Forward-Authentications", uuid.NewString()}, 400, "bad_request", "/x-vault-forward-authentications", "no vault forward authentications"},
		{"unknown control header", ok, []string{"X-Vault-Forward-Headers-Authorization", "Bearer x"}, 400, "bad_request", "/x-vault-forward-headers-authorization", "unknown"},
		{"forwarded header without a name", ok, []string{"X-Vault-Forward-Header-", "x"}, 400, "bad_request", "/x-vault-forward-header-", "NAME"},
		{"forwarded control header", ok, []string{"X-Vault-Forward-Header-X-Vault-Forward-Url", "x"}, 400, "bad_request", "/x-vault-forward-header-x-vault-forward-url", "NAME"},
		{"template unclosed", `{"n":"{{ CARD_NUMBER_1"}`, nil, 400, "bad_request", "", "placeholder"},
		{"template unknown placeholder", `{"n":"{{ CARD_NUMBR_1 }}"}`, nil, 400, "bad_request", "", "CARD_NUMBR_1"},
		{"template card 0", `{"n":"{{ CARD_NUMBER_0 }}"}`, nil, 400, "bad_request", "", "CARD_NUMBER_0"},
		{"template card beyond the list", `{"n":"{{ CARD_NUMBER_2 }}"}`, nil, 400, "bad_request", "", "CARD_NUMBER_2"},
		{"template lower case", `{"n":"{{ card_number_1 }}"}`, nil, 400, "bad_request", "", "card_number_1"},
		{"security code without a session", `{"c":"{{ CARD_SECURITY_CODE_1 }}"}`, nil, 400, "bad_request", "/x-vault-forward-checkout-session", "only be forwarded through a checkout session"},
		{"no credentials", ok, []string{"Authorization", ""}, 401, "unauthorized", "", "API key"},
		{"key without forward scope", ok, []string{"Authorization", "Bearer " + reader}, 403, "forbidden", "", "forward"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{"Authorization": "Bearer " + key, "X-Vault-Forward-Url": u.URL + "/charges",
				"X-Vault-Forward-Http-Method": "POST", "X-Vault-Forward-Payment-Methods": id}
			for i := 0; i+1 < len(tc.headers); i += 2 {
				h[tc.headers[i]] = tc.headers[i+1]
			}
			var pairs []string
			for k, v := range h {
				if v != "" {
					pairs = append(pairs, k, v)
				}
			}
			resp, body := e.Do(t, "POST", "/vault-forward", tc.body, pairs...)
			ge := assertError(t, resp, body, tc.status, tc.code, tc.want)
			if tc.pointer != "" && (len(ge.Details) != 1 || ge.Details[0].Pointer != tc.pointer || ge.Details[0].Location != "header") {
				t.Errorf("details %s, want a header detail with pointer %q", body, tc.pointer)
			}
			for _, s := range []string{visaPAN, key, missing, foreign} {
				if strings.Contains(string(body), s) {
					t.Errorf("error body names %q: %s", s, body)
				}
			}
		})
	}
	// Unknown and foreign ids get the very same answer.
	_, a := forwardTo(t, e, key, u, []string{missing}, ok)
	_, b := forwardTo(t, e, key, u, []string{foreign}, ok)
	if vaulttest.Decode[gr4vyError](t, a).Message != vaulttest.Decode[gr4vyError](t, b).Message {
		t.Errorf("unknown and foreign ids are told apart: %s vs %s", a, b)
	}
	// A security code given when the card was stored is not forwardable:
	// only a checkout session's is, and only while the session lives.
	resp, body := forwardTo(t, e, key, u, []string{withCode}, `{"c":"{{ CARD_SECURITY_CODE_1 }}"}`)
	assertError(t, resp, body, http.StatusBadRequest, "bad_request", "only be forwarded through a checkout session")
	session := sessionFor(t, e, withCode, "737")
	resp, body = forwardTo(t, e, key, u, []string{withCode}, `{"c":"{{ CARD_SECURITY_CODE_1 }}"}`, "X-Vault-Forward-Dry-Run", "true",
		"X-Vault-Forward-Checkout-Session", session)
	if resp.StatusCode != 200 {
		t.Fatalf("dry run with the session's code: %d %s", resp.StatusCode, body)
	}
	other := storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", "", "")
	resp, body = forwardTo(t, e, key, u, []string{other}, `{"c":"{{ CARD_SECURITY_CODE_1 }}"}`, "X-Vault-Forward-Checkout-Session", session)
	assertError(t, resp, body, http.StatusBadRequest, "bad_request", "not for payment method 1")
	e.Clock.Advance(61 * time.Minute)
	resp, body = forwardTo(t, e, key, u, []string{withCode}, `{"c":"{{ CARD_SECURITY_CODE_1 }}"}`, "X-Vault-Forward-Checkout-Session", session)
	assertError(t, resp, body, http.StatusNotFound, "not_found", "checkout session")

	resp, body = e.Do(t, "GET", "/vault-forward", "", "Authorization", "Bearer "+key)
	assertError(t, resp, body, http.StatusMethodNotAllowed, "method_not_allowed", "")
	resp, body = forwardTo(t, e, key, u, []string{id}, strings.Repeat("x", 1<<20+1))
	assertError(t, resp, body, http.StatusRequestEntityTooLarge, "payload_too_large", "larger than")

	if n := len(u.requests()); n != 0 {
		t.Fatalf("bad input reached the upstream %d times", n)
	}
	e.AssertLogClean(t, visaPAN, mastercardPAN, key)
}

func TestForwardSSRFRefusals(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	port := u.Listener.Addr().(*net.TCPAddr).Port
	portStr := strings.TrimPrefix(u.URL, "http://127.0.0.1")
	resolver := func(_ context.Context, host string) ([]netip.Addr, error) {
		if host == "provider.example" || host == "localhost" {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	// Name rules only: none of them names the loopback address itself.
	allow := "http://provider.example" + portStr + ",http://localhost" + portStr + ",127.0.0.1" + portStr
	e := newEnv(t, allow, forward.Options{Resolver: resolver})
	key := e.Key(t, vault.ScopeForward)
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", "", "")
	for name, dest := range map[string]string{
		"loopback without a rule":            "http://127.0.0.2" + portStr + "/x",
		"loopback over http with https rule": u.URL + "/x",
		"name resolving to 127.0.0.1":        "http://provider.example" + portStr + "/x",
		"localhost":                          "http://localhost" + portStr + "/x",
		"other port":                         "http://127.0.0.1:" + strconv.Itoa(port+1) + "/x",
		"link-local metadata address":        "http://169.254.169.254/latest/meta-data",
		"name not on the allowlist":          "https://evil.example/x",
		"IPv4-mapped IPv6 loopback":          "http://[::ffff:127.0.0.1]" + portStr + "/x",
		"private address":                    "https://10.0.0.1/x",
		"dry run to a refused destination":   "http://provider.example" + portStr + "/dry",
	} {
		t.Run(name, func(t *testing.T) {
			headers := []string{"Authorization", "Bearer " + key, "X-Vault-Forward-Url", dest,
				"X-Vault-Forward-Http-Method", "POST", "X-Vault-Forward-Payment-Methods", id}
			if strings.HasSuffix(dest, "/dry") {
				headers = append(headers, "X-Vault-Forward-Dry-Run", "true")
			}
			resp, body := e.Do(t, "POST", "/vault-forward", `{"n":"{{ CARD_NUMBER_1 }}"}`, headers...)
			assertError(t, resp, body, http.StatusForbidden, "forbidden", "refused")
			if strings.Contains(string(body), "127.0.0.1") && !strings.Contains(dest, "127.0.0.1") {
				t.Errorf("refusal reveals the resolved address: %s", body)
			}
		})
	}
	if n := len(u.requests()); n != 0 {
		t.Fatalf("the loopback upstream was reached %d times", n)
	}
	for _, ev := range auditEntries(t, e) {
		if !(ev.Action == "forward" && (ev.Detail["outcome"] == "refused" || ev.Detail["outcome"] == "sending") ||
			ev.Action == "forward.result" && ev.Detail["outcome"] == "refused") {
			t.Errorf("refusal audited as %+v", ev)
		}
	}
	e.AssertLogClean(t, visaPAN, key)
}

func TestForwardWithoutResponse(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens on its port any more
	tlsUp := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsUp.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	tlsUp.StartTLS()
	t.Cleanup(tlsUp.Close)
	allow := strings.Join([]string{slow.rule(), closed.URL, strings.Replace(tlsUp.URL, "https://", "", 1)}, ",")
	e := newEnv(t, allow, forward.Options{}) // system roots: the test server's certificate is not trusted
	key := e.Key(t, vault.ScopeForward)
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", "", "")
	for _, tc := range []struct {
		name, url, want, kind string
		headers               []string
	}{
		{"timeout", slow.URL + "/slow", "timeout", "timeout", []string{"X-Vault-Forward-Timeout", "1"}},
		{"connection refused", closed.URL + "/x", "connection failed", "connect", nil},
		{"TLS failure", tlsUp.URL + "/x", "TLS", "tls", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.Do(t, "POST", "/vault-forward", `{"n":"{{ CARD_NUMBER_1 }}"}`, append([]string{
				"Authorization", "Bearer " + key, "X-Vault-Forward-Url", tc.url, "X-Vault-Forward-Http-Method", "POST",
				"X-Vault-Forward-Payment-Methods", id}, tc.headers...)...)
			if resp.StatusCode != http.StatusOK || len(body) != 0 {
				t.Fatalf("%d %q, want 200 with an empty body", resp.StatusCode, body)
			}
			if got := resp.Header.Get("X-Vault-Forward-Error"); !strings.Contains(got, tc.want) {
				t.Errorf("x-vault-forward-error %q, want it to mention %q", got, tc.want)
			}
			if resp.Header.Get("X-Vault-Forward-Http-Status-Code") != "" || resp.Header.Get("Content-Type") != "" {
				t.Errorf("no-response answer has %v", resp.Header)
			}
			entries := auditEntries(t, e)
			last := entries[len(entries)-1]
			if last.Detail["outcome"] != "no_response" || last.Detail["error"] != tc.kind {
				t.Errorf("audited as %+v", last.Detail)
			}
		})
	}
	e.AssertLogClean(t, visaPAN, key)
}

func TestForwardDryRun(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	e := newEnv(t, u.rule(), forward.Options{MaxTimeout: 60 * time.Second})
	key := e.Key(t, vault.ScopeForward)
	a := storeCard(t, e, vault.DefaultTenant, visaPAN, "07/2031", "Ann Lee", "")
	b := storeCard(t, e, vault.DefaultTenant, amexPAN, "12/2032", "Bo Chan", "")
	session := sessionFor(t, e, a, "737")
	body := `{"a":"{{ CARD_NUMBER_1 }}","e":"{{ CARD_EXPIRATION_DATE_1 }}","m":{{ CARD_EXPIRATION_DATE_MM_1 }},` +
		`"h":"{{ CARD_HOLDER_NAME_1 }}","c":"{{ CARD_SECURITY_CODE_1 }}","b":"{{ CARD_NUMBER_2 }}"}`
	type dry struct {
		Type           string
		Method         string
		URL            string
		Headers        map[string][]string
		Body           string
		TimeoutSeconds float64  `json:"timeout_seconds"`
		PaymentMethods []string `json:"payment_methods"`
	}
	for _, tc := range []struct {
		name    string
		headers []string
		timeout float64
	}{
		{"default timeout", nil, 30},
		{"timeout header", []string{"X-Vault-Forward-Timeout", "10"}, 10},
		{"timeout capped", []string{"X-Vault-Forward-Timeout", "100000000000000000000000"}, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, got := forwardTo(t, e, key, u, []string{a, b}, body, append([]string{"X-Vault-Forward-Dry-Run", "true",
				"X-Vault-Forward-Checkout-Session", session,
				"X-Vault-Forward-Http-Method", "PUT",
				"X-Vault-Forward-Header-Authorization", "Bearer " + pspSecret, "X-Vault-Forward-Header-X-Trace", "t-1"}, tc.headers...)...)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Vault-Forward-Dry-Run") != "true" {
				t.Fatalf("dry run: %d %s", resp.StatusCode, got)
			}
			d := vaulttest.Decode[dry](t, got)
			wantBody := `{"a":"411111******1111","e":"00/00","m":00,"h":"A** L**","c":"***","b":"378282*****0005"}`
			if d.Type != "vault-forward-dry-run" || d.Method != "PUT" || d.URL != u.URL+"/charges?ref=1" || d.Body != wantBody ||
				d.TimeoutSeconds != tc.timeout || len(d.PaymentMethods) != 2 {
				t.Errorf("dry run answered %s\nwant body %s, timeout %v", got, wantBody, tc.timeout)
			}
			if v := d.Headers["Authorization"]; len(v) != 1 || v[0] != "[redacted]" {
				t.Errorf("dry run shows the provider credential: %v", d.Headers)
			}
			if v := d.Headers["X-Trace"]; len(v) != 1 || v[0] != "t-1" {
				t.Errorf("dry run headers %v", d.Headers)
			}
			for _, secret := range []string{visaPAN, amexPAN, pspSecret, `"737"`, "Ann Lee", "/31", "2031"} {
				if strings.Contains(string(got), secret) {
					t.Errorf("dry run shows %q: %s", secret, got)
				}
			}
		})
	}
	if n := len(u.requests()); n != 0 {
		t.Fatalf("a dry run reached the upstream %d times", n)
	}
	entries := auditEntries(t, e)
	if len(entries) != 3 || entries[0].Detail["outcome"] != "dry_run" {
		t.Errorf("dry runs audited as %+v", entries)
	}
	e.AssertLogClean(t, visaPAN, amexPAN, pspSecret, "Ann Lee", key)
}
