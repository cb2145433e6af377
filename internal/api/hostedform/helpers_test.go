package hostedform_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/cardvault/cardvault/internal/api/hostedform"
	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

const (
	user       = "test-user"
	passphrase = "ALongAndVerySecretPassphraseThatIsSuperSecure"
	pan        = "4111111111111111"
	storedCard = `{"card_number":"4111111111111111","card_holder":"J DOE","card_expiry":"06-2039","cvv":"000"}`
	// seedCallback is the success callback of seed 001, pointed at a path.
	seedCallback = "function(responseData, requestData) {\n" +
		"const reference = responseData.reference;\n" +
		"window.location.replace(`/update/success?reference=${reference}`);\n}"
)

// env is a vault with the PCI Vault and hosted form facades.
type env struct {
	*vaulttest.Env
	basic string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		return []server.Facade{hostedform.New(d), pcivault.New(d)}
	}})
	return &env{Env: e, basic: vaulttest.BasicAuth(e.AdminKey)}
}

// call sends an account request (Basic auth).
func (e *env) call(t *testing.T, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	return e.Do(t, method, path, body, "Authorization", e.basic)
}

// q builds a query string.
func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "?" + v.Encode()
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// setup makes the PCI Vault key the forms capture for.
func (e *env) setup(t *testing.T) {
	t.Helper()
	resp, body := e.call(t, "POST", "/v1/key", `{"user":"`+user+`","passphrase":"`+passphrase+`"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
}

type stored struct {
	Token     string `json:"token"`
	User      string `json:"user"`
	Reference string `json:"reference"`
}

// store stores data under the key and reference.
func (e *env) store(t *testing.T, reference, data string) stored {
	t.Helper()
	resp, body := e.call(t, "POST", "/v1/vault"+q("user", user, "passphrase", passphrase, "reference", reference), data)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	return vaulttest.Decode[stored](t, body)
}

// reveal reads stored data back through the PCI Vault API.
func (e *env) reveal(t *testing.T, token, reference string) map[string]any {
	t.Helper()
	resp, body := e.call(t, "GET", "/v1/vault"+q("user", user, "passphrase", passphrase, "token", token, "reference", reference), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	return vaulttest.Decode[map[string]any](t, body)
}

type endpoint struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

// id is the endpoint's unique id, the last segment of its URL.
func (ep endpoint) id() string { return ep.URL[len("/v1/capture/"):] }

// createEndpoint makes a capture endpoint with extra query parameters.
func (e *env) createEndpoint(t *testing.T, extra ...string) endpoint {
	t.Helper()
	resp, body := e.call(t, "POST", "/v1/capture"+q(append([]string{"user", user, "passphrase", passphrase}, extra...)...), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	return vaulttest.Decode[endpoint](t, body)
}

type created struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Link string `json:"link"`
}

// createForm configures a hosted form and returns the answer.
func (e *env) createForm(t *testing.T, body string) created {
	t.Helper()
	resp, b := e.call(t, "POST", "/v1/capture/iframe?form_type=pcd", body)
	vaulttest.WantStatus(t, resp, b, http.StatusOK)
	return vaulttest.Decode[created](t, b)
}

// formPath is the path that loads a form for a capture endpoint.
func formPath(formID string, ep endpoint) string {
	return hostedform.Prefix + "/" + formID + q("unique_id", ep.id(), "secret", ep.Secret)
}
