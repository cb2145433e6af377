package gr4vy_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/api/gr4vy"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/buyers"
	"github.com/cardvault/cardvault/internal/vault/checkouts"
	"github.com/cardvault/cardvault/internal/vault/jwtkeys"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// Test cards. None of them may ever appear in a log.
const (
	visaPAN       = "4111111111111111"
	mastercardPAN = "5555555555554444"
	amexPAN       = "378282246310005"
)

// newEnv starts a vault with the Gr4vy facade; allow is the relay's
// allowlist (CARDVAULT_FORWARD_ALLOW syntax) and o its options.
func newEnv(t *testing.T, allow string, o forward.Options) *vaulttest.Env {
	t.Helper()
	list, err := forward.ParseAllowlist(allow)
	if err != nil {
		t.Fatal(err)
	}
	relay := forward.NewRelay(list, o)
	t.Cleanup(relay.Close)
	return vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.Relay = relay
		d.JWTKeys, d.Buyers, d.Checkouts = jwtkeys.New(d.Vault), buyers.New(d.Vault), checkouts.New(d.Vault)
		return []server.Facade{gr4vy.New(d)}
	}})
}

// seen is one request an upstream received.
type seen struct {
	Method string
	Path   string
	Header http.Header
	Body   string
}

// upstream is a loopback payment provider that records what it receives.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

// newUpstream starts a provider answering with h (after recording the
// request); h may be nil for a 201 JSON echo of the body.
func newUpstream(t *testing.T, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Frame-Options", "SAMEORIGIN")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"ok":true}`))
		}
	}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, seen{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(b)})
		u.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// requests returns what the upstream received so far.
func (u *upstream) requests() []seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.reqs...)
}

// rule is the allowlist rule naming the upstream's loopback address.
func (u *upstream) rule() string { return u.URL }

// storeCard stores a card straight through the vault core, as any facade
// would, and returns its id.
func storeCard(t *testing.T, e *vaulttest.Env, tenant, number, expiry, holder, code string) string {
	t.Helper()
	pan, err := card.ParsePAN(number)
	if err != nil {
		t.Fatal(err)
	}
	in := vault.CardInput{PAN: pan, Holder: holder}
	if expiry != "" {
		if in.Expiry, err = card.ParseExpiry(expiry); err != nil {
			t.Fatal(err)
		}
	}
	if code != "" {
		if in.SecurityCode, err = card.ParseSecurityCode(code, pan.Scheme()); err != nil {
			t.Fatal(err)
		}
	}
	c, err := e.Vault.CreateCard(context.Background(), tenant, in)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// gr4vyError is Gr4vy's error shape.
type gr4vyError struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Status  int    `json:"status"`
	Message string `json:"message"`
	Details []struct {
		Location string `json:"location"`
		Pointer  string `json:"pointer"`
		Message  string `json:"message"`
		Type     string `json:"type"`
	} `json:"details"`
}

// assertError checks that a response is a Gr4vy error with this status
// and code, whose message contains want.
func assertError(t *testing.T, resp *http.Response, body []byte, status int, code, want string) gr4vyError {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error content type %q, want JSON", ct)
	}
	e := vaulttest.Decode[gr4vyError](t, body)
	if e.Type != "error" || e.Code != code || e.Status != status || !strings.Contains(e.Message, want) {
		t.Errorf("error %s, want type error, code %q, status %d, message containing %q", body, code, status, want)
	}
	return e
}

// auditEntries returns the default tenant's audit entries.
func auditEntries(t *testing.T, e *vaulttest.Env) []audit.Entry {
	t.Helper()
	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// sessionFor makes a checkout session (with the admin key) about a stored
// card, fills it with the security code as a shopper's browser would (no
// credential but the session id), and returns the session id.
func sessionFor(t *testing.T, e *vaulttest.Env, cardID, code string) string {
	t.Helper()
	resp, b := e.Do(t, "POST", "/checkout/sessions", "", "Authorization", "Bearer "+e.AdminKey)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	id := vaulttest.Decode[struct{ ID string }](t, b).ID
	resp, b = e.Do(t, "PUT", "/checkout/sessions/"+id+"/fields",
		`{"payment_method":{"method":"id","id":"`+cardID+`","security_code":"`+code+`"}}`)
	vaulttest.WantStatus(t, resp, b, http.StatusNoContent)
	return id
}
