package pcivault_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// provider is a loopback payment provider that records what it receives.
type provider struct {
	*httptest.Server
	mu     sync.Mutex
	method string
	header http.Header
	body   string
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	p := &provider{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.method, p.header, p.body = r.Method+" "+r.URL.RequestURI(), r.Header.Clone(), string(b)
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "provider=1")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"status":"authorised"}`)
	}))
	t.Cleanup(p.Close)
	return p
}

// newProxyEnv is newEnv with a relay that may reach p only.
func newProxyEnv(t *testing.T, p *provider) *env {
	t.Helper()
	allow, err := forward.ParseAllowlist("http://" + p.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	relay := forward.NewRelay(allow, forward.Options{})
	t.Cleanup(relay.Close)
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.Relay = relay
		return []server.Facade{pcivault.New(d)}
	}})
	return &env{Env: e, basic: vaulttest.BasicAuth(e.AdminKey)}
}

// POST /v1/proxy/post fills a stored card into the body (escaped for its
// Content-Type) and marked headers, sends it through the relay to an
// allowed destination, and answers the destination's status, type and body;
// GET /v1/proxy/get does the same without a body. Both need the forward
// scope and the passphrase, are audited, and refuse destinations the
// allowlist does not name.
func TestProxy(t *testing.T) {
	t.Parallel()
	p := newProvider(t)
	e := newProxyEnv(t, p)
	e.createKey(t, user, passphrase)
	s := e.store(t, "cust-1", `{"card_number":"4111 1111 1111 1111","card_holder":"J O'Doe \"Jr\"","card_expiry":"06-2031","cvv":"123"}`)
	fwd := vaulttest.BasicAuth(e.Key(t, vault.ScopeForward))
	query := q("user", user, "passphrase", passphrase, "token", s.Token, "reference", "cust-1", "url", p.URL+"/pay?x=1")

	tpl := `{"card":{"number":"{{ card_number }}","name":"{{card_holder}}","month":"{{ expiry_month | unwrap }}","year":"{{ expiry_year }}","cvc":"{{ cvv }}"},"amount":100}`
	resp, body := e.Do(t, "POST", "/v1/proxy/post"+query, tpl, "Authorization", fwd, "Content-Type", "application/json",
		"X-PCIVault-Proxy-Header-Authorization", "Bearer psp-secret", "X-PCIVault-Proxy-Header-X-Last-Four", "{{ card_number }}",
		"X-Other", "not passed on")
	vaulttest.WantStatus(t, resp, body, http.StatusCreated)
	if string(body) != `{"status":"authorised"}` || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("answer %s with headers %v", body, resp.Header)
	}
	p.mu.Lock()
	method, header, sent := p.method, p.header, p.body
	p.mu.Unlock()
	want := `{"card":{"number":"4111111111111111","name":"J O'Doe \"Jr\"","month":6,"year":"2031","cvc":"123"},"amount":100}`
	if method != "POST /pay?x=1" || sent != want {
		t.Fatalf("provider got %s %s", method, sent)
	}
	if header.Get("Authorization") != "Bearer psp-secret" || header.Get("X-Last-Four") != pan || header.Get("X-Other") != "" ||
		header.Get("Content-Type") != "application/json" {
		t.Fatalf("provider got headers %v", header)
	}

	resp, body = e.Do(t, "GET", "/v1/proxy/get"+query, "", "Authorization", fwd, "X-PCIVault-Proxy-Header-X-Card", "{{ n }}")
	vaulttest.WantStatus(t, resp, body, http.StatusCreated)
	p.mu.Lock()
	method, header = p.method, p.header
	p.mu.Unlock()
	if method != "GET /pay?x=1" || header.Get("X-Card") != pan {
		t.Fatalf("provider got %s with %v", method, header)
	}

	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, en := range entries {
		if en.Action == "pcivault.proxy" && en.Detail["destination_host"] == p.Listener.Addr().String() &&
			strings.Join(en.Targets, ",") == user+","+s.Token+",cust-1" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d proxy calls audited, want 2", n)
	}

	t.Run("refusals", func(t *testing.T) {
		for name, c := range map[string]struct {
			auth, query, body string
			status            int
		}{
			"destination not allowed": {fwd, q("user", user, "passphrase", passphrase, "token", s.Token, "url", "https://elsewhere.example/pay"), `{}`, http.StatusForbidden},
			"no url":                  {fwd, q("user", user, "passphrase", passphrase, "token", s.Token), `{}`, http.StatusBadRequest},
			"unknown placeholder":     {fwd, query, `{"x":"{{ CARD_NUMBER_1 }}"}`, http.StatusBadRequest},
			"wrong passphrase":        {fwd, q("user", user, "passphrase", "WrongPassphraseOfGoodLength", "token", s.Token, "url", p.URL), `{}`, http.StatusUnauthorized},
			"no forward scope":        {vaulttest.BasicAuth(e.Key(t, vault.ScopeCardsReveal, vault.ScopeCardsWrite)), query, `{}`, http.StatusForbidden},
		} {
			t.Run(name, func(t *testing.T) {
				resp, body := e.Do(t, "POST", "/v1/proxy/post"+c.query, c.body, "Authorization", c.auth, "Content-Type", "application/json")
				wantError(t, resp, body, c.status)
			})
		}
	})
	e.AssertLogClean(t, pan, "4111 1111 1111 1111", passphrase, "psp-secret")
}
