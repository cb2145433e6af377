package pcivault_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

const (
	user       = "test-user"
	passphrase = "ALongAndVerySecretPassphraseThatIsSuperSecure"
	pan        = "4111111111111111"
	spacedPAN  = "4111 1111 1111 1111"
	otherPAN   = "5555555555554444"
)

var tokenPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// env is a vault with the PCI Vault facade and an account key.
type env struct {
	*vaulttest.Env
	// basic is an Authorization header value with the admin key as password.
	basic string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, pv.Options{})
}

// newEnvWith is newEnv with options; KDF defaults to the cheap test one.
func newEnvWith(t *testing.T, o pv.Options) *env {
	t.Helper()
	e := vaulttest.New(t, vaulttest.Options{PCIVault: o, Facades: func(d vaulttest.Deps) []server.Facade {
		return []server.Facade{pcivault.New(d)}
	}})
	return &env{Env: e, basic: vaulttest.BasicAuth(e.AdminKey)}
}

// call sends an account request (Basic auth) and returns status and body.
func (e *env) call(t *testing.T, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	return e.Do(t, method, path, body, "Authorization", e.basic)
}

// wantError checks a failure: the status and PCI Vault's {"error": "..."} shape.
func wantError(t *testing.T, resp *http.Response, body []byte, status int) string {
	t.Helper()
	vaulttest.WantStatus(t, resp, body, status)
	var eb map[string]any
	if err := json.Unmarshal(body, &eb); err != nil || len(eb) != 1 {
		t.Fatalf("error body %s is not {\"error\": ...}", body)
	}
	msg, _ := eb["error"].(string)
	if msg == "" {
		t.Fatalf("error body %s has no message", body)
	}
	return msg
}

// q builds a query string.
func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "?" + v.Encode()
}

// createKey makes the key of user with passphrase.
func (e *env) createKey(t *testing.T, user, pass string) {
	t.Helper()
	resp, body := e.call(t, "POST", "/v1/key", `{"user":"`+user+`","passphrase":"`+pass+`"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
}

type stored struct {
	Token     string `json:"token"`
	User      string `json:"user"`
	Reference string `json:"reference"`
}

// store stores data under the default key and returns the answer.
func (e *env) store(t *testing.T, reference, data string) stored {
	t.Helper()
	resp, body := e.call(t, "POST", "/v1/vault"+q("user", user, "passphrase", passphrase, "reference", reference), data)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	return vaulttest.Decode[stored](t, body)
}

// reveal returns what GET /v1/vault answers for token and reference.
func (e *env) reveal(t *testing.T, token, reference string) string {
	t.Helper()
	resp, body := e.call(t, "GET", "/v1/vault"+q("user", user, "passphrase", passphrase, "token", token, "reference", reference), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	return string(body)
}

type endpoint struct {
	URL       string        `json:"url"`
	UniqueID  string        `json:"unique_id"`
	Secret    string        `json:"secret"`
	ExpiresAt *string       `json:"expires_at"`
	Lockdown  *lockdownInfo `json:"lockdown_info"`
}

type lockdownInfo struct {
	Token     string `json:"token"`
	Reference string `json:"reference"`
}

// createEndpoint makes a capture endpoint with extra query parameters.
func (e *env) createEndpoint(t *testing.T, extra ...string) endpoint {
	t.Helper()
	resp, body := e.call(t, "POST", "/v1/capture"+q(append([]string{"user", user, "passphrase", passphrase}, extra...)...), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	return vaulttest.Decode[endpoint](t, body)
}

// post sends data to a capture endpoint the way a browser's fetch does:
// JSON.stringify body (so text/plain), the secret header, an Origin.
func (e *env) post(t *testing.T, path, secret, data string) (*http.Response, []byte) {
	t.Helper()
	return e.Do(t, "POST", path, data, "Content-Type", "text/plain;charset=UTF-8",
		pcivault.SecretHeader, secret, "Origin", "https://shop.example")
}

// entries counts every entry of the tenant straight from the store.
func (e *env) entries(t *testing.T) int {
	t.Helper()
	recs, err := e.Store.ListRecords(context.Background(), vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindEntry}, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// endpoints counts the live capture endpoints in the store.
func (e *env) endpoints(t *testing.T) int {
	t.Helper()
	recs, err := e.Store.ListRecords(context.Background(), vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindCaptureEndpoint}, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// recordQuery selects the default tenant's records of a kind.
func recordQuery(kind string) vault.RecordQuery {
	return vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: kind}
}
