package guardian_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/api/guardian"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// upstream is a loopback payment provider that remembers what it got.
type upstream struct {
	*httptest.Server
	mu     sync.Mutex
	header http.Header
	body   string
	hits   int
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.header, u.body = r.Header.Clone(), string(b)
		u.hits++
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/vnd.psp+json")
		w.Header().Set("X-Psp-Trace", "trace-7")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"outcome":"authorised","raw":"kept as is"}`)
	}))
	t.Cleanup(u.Close)
	return u
}

// got returns what the upstream last received.
func (u *upstream) got() (http.Header, string, int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.header, u.body, u.hits
}

// newForwardEnv starts a vault whose relay may reach the upstream only.
func newForwardEnv(t *testing.T, u *upstream) *vaulttest.Env {
	t.Helper()
	allow, err := forward.ParseAllowlist("http://" + u.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	relay := forward.NewRelay(allow, forward.Options{})
	t.Cleanup(relay.Close)
	return newEnv(t, relay)
}

const forwardBody = `{"transactionReference":"My reference","instruction":{"paymentInstrument":{"cardNumber":"{{ account_number }}",` +
	`"cardHolderName":"{{ cardholder_name }}","cvc":"{{ security_code }}",` +
	`"expiryDate":{"month":"{{ expiration_month | unwrap }}","year":"{{ expiry_year | unwrap }}","monthText":"{{ expiry_month }}"}}},` +
	`"value":{"currency":"EUR","amount":1000}}`

func TestForward(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	tok := createToken(t, e, e.AdminKey, panBody)
	fwd := e.Key(t, vault.ScopeForward)

	resp, b := e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/forward", forwardBody,
		"x-api-key", fwd, "x-destination-url", u.URL+"/payments?x=1",
		"X-Merchant-Ref", "m-42", "Authorization", "Bearer merchant-secret",
		"x-own-header-name", "x-api-key", "x-own-header-value", "provider-key-123456")
	if resp.StatusCode != http.StatusCreated || string(b) != `{"outcome":"authorised","raw":"kept as is"}` ||
		resp.Header.Get("Content-Type") != "application/vnd.psp+json" || resp.Header.Get("X-Psp-Trace") != "trace-7" {
		t.Fatalf("forward answered %d %v %s", resp.StatusCode, resp.Header, b)
	}
	h, body, _ := u.got()
	want := `{"transactionReference":"My reference","instruction":{"paymentInstrument":{"cardNumber":"4111111111111111",` +
		`"cardHolderName":"Ada Lovelace","cvc":"123","expiryDate":{"month":12,"year":2039,"monthText":"12"}}},` +
		`"value":{"currency":"EUR","amount":1000}}`
	if body != want {
		t.Fatalf("upstream got\n%s\nwant\n%s", body, want)
	}
	if h.Get("X-Merchant-Ref") != "m-42" || h.Get("Content-Type") != "application/json" {
		t.Errorf("request headers not passed on: %v", h)
	}
	if h.Get("X-Api-Key") != "provider-key-123456" || len(h.Values("X-Api-Key")) != 1 {
		t.Errorf("own header: x-api-key = %q", h.Values("X-Api-Key"))
	}
	if h.Get("Authorization") != "Bearer merchant-secret" {
		t.Errorf("the caller's Authorization for the provider was not passed on: %q", h.Values("Authorization"))
	}
	for _, name := range []string{"X-Destination-Url", "X-Own-Header-Name", "X-Own-Header-Value", "X-Admin-Token"} {
		if h.Get(name) != "" {
			t.Errorf("vault header %s reached the provider: %q", name, h.Get(name))
		}
	}
	for _, vs := range h {
		for _, v := range vs {
			if strings.Contains(v, fwd) {
				t.Fatal("the vault key reached the provider")
			}
		}
	}

	// Audited: intent and outcome, with host, token, status and latency.
	var actions []string
	for _, en := range auditActions(t, e) {
		actions = append(actions, en.Action)
		if en.Action == "forward.result" {
			if en.Detail["status"] != "201" || en.Detail["latency_ms"] == "" || en.Detail["destination_host"] != u.Listener.Addr().String() ||
				en.Targets[0] != tok.ID {
				t.Errorf("audit entry %+v", en)
			}
		}
	}
	if strings.Join(actions, ",") != "forward,forward.result" {
		t.Errorf("audited %v", actions)
	}
	e.AssertLogClean(t, pan, `"123"`, "provider-key-123456")
}

func TestForwardWithoutCodeOrToken(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	tok := createToken(t, e, e.AdminKey, `{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2039}}`)
	dest := u.URL + "/pay"
	for name, tc := range map[string]struct {
		id, body string
		hdr      []string
		status   int
		want     string
	}{
		"no code held":      {tok.ID, `{"cvc":"{{ security_code }}"}`, nil, 400, "no security code"},
		"unknown name":      {tok.ID, `{"n":"{{ card_number }}"}`, nil, 400, "card_number"},
		"broken template":   {tok.ID, `{"n":"{{ account_number "}`, nil, 400, ""},
		"unknown token":     {"01934b5e-0000-7000-8000-000000000000", `{}`, nil, 404, "token not found"},
		"bad token id":      {"nope", `{}`, nil, 400, "UUID"},
		"no destination":    {tok.ID, `{}`, []string{"x-destination-url", ""}, 400, "x-destination-url"},
		"not allowed":       {tok.ID, `{}`, []string{"x-destination-url", "https://example.com/pay"}, 403, "refused"},
		"loopback other":    {tok.ID, `{}`, []string{"x-destination-url", "http://127.0.0.1:1/pay"}, 403, "refused"},
		"own value no name": {tok.ID, `{}`, []string{"x-own-header-value", "v"}, 400, "x-own-header-name"},
		"own bad name":      {tok.ID, `{}`, []string{"x-own-header-name", "bad name", "x-own-header-value", "v"}, 400, "x-own-header-name"},
	} {
		t.Run(name, func(t *testing.T) {
			hdr := append([]string{"x-api-key", e.AdminKey, "x-destination-url", dest}, tc.hdr...)
			resp, b := e.Do(t, "POST", "/api/pci/tokens/"+tc.id+"/forward", tc.body, hdr...)
			wantError(t, resp, b, tc.status, tc.want)
		})
	}
	if _, _, hits := u.got(); hits != 0 {
		t.Fatalf("refused forwards reached the upstream %d times", hits)
	}
	// The forward scope is required.
	resp, b := e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/forward", `{}`, "x-api-key", e.Key(t, vault.ScopeCardsRead), "x-destination-url", dest)
	wantError(t, resp, b, http.StatusForbidden, "forward")
	e.AssertLogClean(t, pan)
}

func TestForwardNotConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok := createToken(t, e, e.AdminKey, panBody)
	resp, b := e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/forward", `{}`, "x-api-key", e.AdminKey, "x-destination-url", "https://psp.example/pay")
	wantError(t, resp, b, http.StatusServiceUnavailable, "not configured")
}

func TestForwardUpstreamDown(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	tok := createToken(t, e, e.AdminKey, panBody)
	u.Close()
	resp, b := e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/forward", `{"n":"{{ account_number }}"}`, "x-api-key", e.AdminKey, "x-destination-url", u.URL+"/pay")
	wantError(t, resp, b, http.StatusBadGateway, "upstream")
	entries := auditActions(t, e)
	if last := entries[len(entries)-1]; last.Action != "forward.result" || last.Detail["error"] != "connect" {
		t.Fatalf("outcome audit %+v", last)
	}
	e.AssertLogClean(t, pan)
}

func TestForwardIdempotent(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	tok := createToken(t, e, e.AdminKey, panBody)
	hdr := []string{"x-api-key", e.AdminKey, "x-destination-url", u.URL + "/pay", "x-idempotency-key", "pay-1"}
	r1, b1 := e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/forward", `{"n":"{{ account_number }}"}`, hdr...)
	r2, b2 := e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/forward", `{"n":"{{ account_number }}"}`, hdr...)
	if r1.StatusCode != 201 || r2.StatusCode != 201 || string(b1) != string(b2) {
		t.Fatalf("forward replay: %d %s / %d %s", r1.StatusCode, b1, r2.StatusCode, b2)
	}
	if _, _, hits := u.got(); hits != 1 {
		t.Fatalf("a replayed forward reached the provider %d times", hits)
	}
	// Same key and body to another destination is another request.
	hdr[3] = u.URL + "/refund"
	resp, b := e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/forward", `{"n":"{{ account_number }}"}`, hdr...)
	wantError(t, resp, b, http.StatusUnprocessableEntity)
}

// A forward's own header (name and value) and content type steer what the
// provider receives: the same key with other values is another request,
// answered 422, not the first forward's response.
func TestForwardIdempotencyHashesControlHeaders(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	tok := createToken(t, e, e.AdminKey, panBody)
	path := "/api/pci/tokens/" + tok.ID + "/forward"
	base := []string{"x-api-key", e.AdminKey, "x-destination-url", u.URL + "/pay", "x-idempotency-key", "pay-h",
		"x-own-header-name", "Authorization", "x-own-header-value", "Bearer psp-key-1"}
	if r, b := e.Do(t, "POST", path, `{"n":"{{ account_number }}"}`, base...); r.StatusCode != 201 {
		t.Fatalf("forward: %d %s", r.StatusCode, b)
	}
	for name, hdr := range map[string][]string{
		"own header value": {"x-own-header-name", "Authorization", "x-own-header-value", "Bearer psp-key-2"},
		"own header name":  {"x-own-header-name", "X-Psp-Key", "x-own-header-value", "Bearer psp-key-1"},
		"no own header":    {},
		"content type":     {"x-own-header-name", "Authorization", "x-own-header-value", "Bearer psp-key-1", "content-type", "text/plain"},
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := e.Do(t, "POST", path, `{"n":"{{ account_number }}"}`, append(base[:6:6], hdr...)...)
			wantError(t, resp, b, http.StatusUnprocessableEntity, "different request")
		})
	}
	if _, _, hits := u.got(); hits != 1 {
		t.Fatalf("the provider was reached %d times", hits)
	}
}

// TestForwardPassesCallerHeaders: Guardian "forwards all headers from the
// request, except those it uses internally" (seed 003). The provider gets
// the caller's Authorization, Api-Key, Cookie, X-Request-Id and the rest;
// not Guardian's own headers, not the header that carried the vault key,
// not the proxy's X-Forwarded-*, not hop-by-hop ones.
func TestForwardPassesCallerHeaders(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	tok := createToken(t, e, e.AdminKey, panBody)
	fwd := e.Key(t, vault.ScopeForward)
	path := "/api/pci/tokens/" + tok.ID + "/forward"
	const body = `{"n":"{{ account_number }}"}`

	passed := map[string]string{
		"Authorization": "Basic cHNwOnNlY3JldA==", "Api-Key": "psp-api-key-1", "Cookie": "psp_session=abc",
		"X-Request-Id": "caller-req-7", "Idempotency-Key": "psp-idem-1", "Accept": "application/json",
		"X-Merchant-Ref": "m-42",
	}
	dropped := []string{"X-Api-Key", "X-Admin-Token", "X-Destination-Url", "X-Idempotency-Key",
		"X-Forwarded-For", "X-Forwarded-Proto", "Forwarded", "X-Real-Ip", "Keep-Alive", "X-Hop"}
	hdr := []string{"x-api-key", fwd, "x-destination-url", u.URL, "content-type", "application/json",
		"x-admin-token", "not-used-admin-token", "x-idempotency-key", "fwd-1",
		"X-Forwarded-For", "10.0.0.7", "X-Forwarded-Proto", "https", "Forwarded", "for=10.0.0.7", "X-Real-Ip", "10.0.0.7",
		"Connection", "X-Hop", "X-Hop", "1", "Keep-Alive", "timeout=5"}
	for k, v := range passed {
		hdr = append(hdr, k, v)
	}
	if resp, b := e.Do(t, "POST", path, body, hdr...); resp.StatusCode != http.StatusCreated {
		t.Fatalf("forward: %d %s", resp.StatusCode, b)
	}
	h, _, _ := u.got()
	for k, v := range passed {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s reached the provider as %q, want %q", k, got, v)
		}
	}
	for _, k := range dropped {
		if got, ok := h[k]; ok {
			t.Errorf("%s reached the provider: %q", k, got)
		}
	}

	// The caller authenticates with Api-Key (read before Authorization):
	// Api-Key is not passed on, the caller's Authorization is.
	resp, b := e.Do(t, "POST", path, body, "Api-Key", fwd, "x-destination-url", u.URL,
		"content-type", "application/json", "Authorization", "Bearer sk_psp_41")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("forward with Api-Key: %d %s", resp.StatusCode, b)
	}
	if h, _, _ = u.got(); h.Get("Api-Key") != "" || h.Get("Authorization") != "Bearer sk_psp_41" {
		t.Errorf("authenticated by Api-Key: provider got Api-Key %q, Authorization %q", h.Values("Api-Key"), h.Values("Authorization"))
	}
	// The caller authenticates with Authorization: that header carried the
	// vault key and is not passed on; x-own-header sets the provider's.
	resp, b = e.Do(t, "POST", path, body, "Authorization", "Bearer "+fwd, "x-destination-url", u.URL,
		"content-type", "application/json")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("forward with Authorization: %d %s", resp.StatusCode, b)
	}
	if h, _, _ = u.got(); len(h.Values("Authorization")) != 0 {
		t.Errorf("authenticated by Authorization: provider got Authorization %q", h.Values("Authorization"))
	}
	resp, b = e.Do(t, "POST", path, body, "Authorization", "Bearer "+fwd, "x-destination-url", u.URL,
		"content-type", "application/json", "x-own-header-name", "Authorization", "x-own-header-value", "Bearer sk_psp_42")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("forward with own Authorization: %d %s", resp.StatusCode, b)
	}
	if h, _, _ = u.got(); len(h.Values("Authorization")) != 1 || h.Get("Authorization") != "Bearer sk_psp_42" {
		t.Errorf("x-own-header Authorization: provider got %q", h.Values("Authorization"))
	}

	// The vault key never leaves, whichever header a caller puts it in.
	_, _, before := u.got()
	for _, leak := range [][]string{{"Authorization", "Bearer " + fwd}, {"Cookie", "k=" + fwd}, {"Api-Key", fwd}} {
		resp, b := e.Do(t, "POST", path, body, "x-api-key", fwd, "x-destination-url", u.URL,
			"content-type", "application/json", leak[0], leak[1])
		wantError(t, resp, b, http.StatusBadRequest)
		if strings.Contains(string(b), fwd) {
			t.Fatalf("the refusal repeats the key: %s", b)
		}
	}
	if _, _, after := u.got(); after != before {
		t.Fatalf("a forward carrying the vault key reached the provider")
	}
}

// TestForwardDefaultDestinations: like Guardian, a vault forwards to the
// major providers without configuration; CARDVAULT_FORWARD_DEFAULTS=off
// takes that away, and the SSRF guard still holds for them. No network is
// touched: the resolver says the host does not exist (so an allowed
// forward ends in 502) or that it is private.
func TestForwardDefaultDestinations(t *testing.T) {
	t.Parallel()
	noSuchHost := func(context.Context, string) ([]netip.Addr, error) { return nil, errors.New("no such host") }
	private := func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	cases := []struct {
		name     string
		defaults bool
		resolve  func(context.Context, string) ([]netip.Addr, error)
		status   int
		class    string
	}{
		{"defaults on", true, noSuchHost, http.StatusBadGateway, "BAD_GATEWAY"},
		{"defaults off", false, noSuchHost, http.StatusForbidden, "DESTINATION_NOT_ALLOWED"},
		{"defaults on, private address", true, private, http.StatusForbidden, "DESTINATION_NOT_ALLOWED"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			allow, err := forward.Destinations("", c.defaults)
			if err != nil {
				t.Fatal(err)
			}
			relay := forward.NewRelay(allow, forward.Options{Resolver: c.resolve})
			t.Cleanup(relay.Close)
			e := newEnv(t, relay)
			tok := createToken(t, e, e.AdminKey, panBody)
			resp, b := e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/forward", `{"n":"{{ account_number }}"}`,
				"x-api-key", e.AdminKey, "x-destination-url", "https://api.stripe.com/v1/payment_methods",
				"content-type", "application/json")
			wantError(t, resp, b, c.status)
			if ge := vaulttest.Decode[guardianError](t, b); *ge.Classifier != c.class {
				t.Fatalf("%s: %s, want %s", c.name, b, c.class)
			}
		})
	}
}

// When serving, a forward's outcome is recorded in the background
// (api.Outcomes): the answer does not wait for it, and it still reaches the
// audit log, after the forward it belongs to.
func TestForwardOutcomeRecordedInTheBackground(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	allow, err := forward.ParseAllowlist("http://" + u.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	relay := forward.NewRelay(allow, forward.Options{})
	t.Cleanup(relay.Close)
	var outcomes *api.Outcomes
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.Relay = relay
		outcomes = api.NewOutcomes(d.Audit, slog.New(slog.DiscardHandler), 8)
		d.Outcomes = outcomes
		return []server.Facade{guardian.New(d)}
	}})
	tok := createToken(t, e, e.AdminKey, panBody)
	resp, b := e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/forward", forwardBody,
		"x-api-key", e.Key(t, vault.ScopeForward), "x-destination-url", u.URL+"/payments")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("forward answered %d %s", resp.StatusCode, b)
	}
	if err := outcomes.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range auditActions(t, e) {
		actions = append(actions, en.Action)
	}
	if strings.Join(actions, ",") != "forward,forward.result" {
		t.Errorf("audited %v", actions)
	}
}
