package pcivault_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// badBodies are the bodies the issue names as bad input, each a 400 with
// the reason and nothing written, whether sent to POST /v1/vault or to a
// capture endpoint.
var badBodies = []struct {
	name, body, reason string
}{
	{"empty", "", "empty"},
	{"array", `[{"card_number":"4111111111111111"}]`, "JSON object"},
	{"string", `"4111111111111111"`, "JSON object"},
	{"number", `4111111111111111`, "JSON object"},
	{"null", `null`, "JSON object"},
	{"malformed", `{"card_number":"4111111111111111"`, "malformed"},
	{"trailing data", `{"a":1} {"b":2}`, "after the JSON object"},
	{"repeated field", `{"card_number":"4111111111111111","card_number":"5555555555554444"}`, "more than once"},
	{"fails Luhn", `{"card_number":"4111111111111112"}`, "Luhn"},
	{"too short", `{"number":"4111"}`, "12 to 19 digits"},
	{"letters in number", `{"card_number":"4111x11111111111"}`, "only digits"},
	{"number of wrong type", `{"card_number":{"v":"4111111111111111"}}`, "must be a string"},
	{"two different numbers", `{"card_number":"4111111111111111","number":"5555555555554444"}`, "different numbers"},
	{"bad account number", `{"account_number":"12"}`, "account_number"},
	{"over 256 KiB", `{"pad":"` + strings.Repeat("x", 256<<10) + `"}`, "256 KiB"},
	{"over the server limit", `{"pad":"` + strings.Repeat("x", 1<<20) + `"}`, "256 KiB"},
}

func TestBadBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t)
	for _, c := range badBodies {
		t.Run("vault/"+c.name, func(t *testing.T) {
			resp, body := e.call(t, "POST", "/v1/vault"+q("user", user, "passphrase", passphrase, "reference", "r"), c.body)
			checkBad(t, e, resp, body, c.reason)
		})
		t.Run("capture/"+c.name, func(t *testing.T) {
			resp, body := e.post(t, ep.URL, ep.Secret, c.body)
			checkBad(t, e, resp, body, c.reason)
		})
	}
	t.Run("chunked body over 256 KiB", func(t *testing.T) {
		big := `{"pad":"` + strings.Repeat("x", 300<<10) + `"}`
		req, _ := http.NewRequest("POST", e.URL+ep.URL, io.MultiReader(strings.NewReader(big)))
		req.Header.Set("X-PCIVault-Capture-Secret", ep.Secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		checkBad(t, e, resp, body, "256 KiB")
	})
	t.Run("form body", func(t *testing.T) {
		resp, body := e.Do(t, "POST", "/v1/vault"+q("user", user, "passphrase", passphrase), "card_number=4111111111111111",
			"Authorization", e.basic, "Content-Type", "application/x-www-form-urlencoded")
		checkBad(t, e, resp, body, "JSON")
	})
}

// checkBad expects a 400 naming reason, without card data, and an empty vault.
func checkBad(t *testing.T, e *env, resp *http.Response, body []byte, reason string) {
	t.Helper()
	msg := wantError(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(msg, reason) {
		t.Errorf("message %q does not give the reason (%q)", msg, reason)
	}
	for _, p := range []string{pan, otherPAN, "4111111111111112"} {
		if strings.Contains(msg, p) {
			t.Errorf("message %q quotes a card number", msg)
		}
	}
	if n := e.entries(t); n != 0 {
		t.Fatalf("a refused request left %d entries", n)
	}
}

func TestBadParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ok := `{"card_number":"4111111111111111"}`
	for _, c := range []struct {
		name, method, path, body string
		status                   int
		reason                   string
	}{
		{"unknown user", "POST", "/v1/vault" + q("user", "nobody", "passphrase", passphrase), ok, 404, "unknown user"},
		{"wrong passphrase", "POST", "/v1/vault" + q("user", user, "passphrase", "NotThePassphraseButLong"), ok, 401, "wrong passphrase"},
		{"no user", "POST", "/v1/vault" + q("passphrase", passphrase), ok, 400, "user is required"},
		{"long reference", "POST", "/v1/vault" + q("user", user, "passphrase", passphrase, "reference", strings.Repeat("r", 300)), ok, 400, "reference"},
		{"other algorithm", "POST", "/v1/vault" + q("user", user, "passphrase", passphrase, "algorithm", "luhn"), ok, 400, "algorithm"},
		{"bad query number", "POST", "/v1/vault" + q("user", user, "passphrase", passphrase, "number", "4111111111111112"), `{"a":1}`, 400, "Luhn"},
		{"capture: unknown user", "POST", "/v1/capture" + q("user", "nobody", "passphrase", passphrase), "", 404, "unknown user"},
		{"capture: wrong passphrase", "POST", "/v1/capture" + q("user", user, "passphrase", "NotThePassphraseButLong"), "", 401, "wrong passphrase"},
		{"capture: bad ttl", "POST", "/v1/capture" + q("user", user, "passphrase", passphrase, "ttl", "soon"), "", 400, `"soon"`},
		{"capture: negative ttl", "POST", "/v1/capture" + q("user", user, "passphrase", passphrase, "ttl", "-5m"), "", 400, `"-5m"`},
		{"capture: ttl in months", "POST", "/v1/capture" + q("user", user, "passphrase", passphrase, "ttl", "P1M"), "", 400, `"P1M"`},
		{"capture: ttl too long", "POST", "/v1/capture" + q("user", user, "passphrase", passphrase, "ttl", "P5000D"), "", 400, "ttl"},
		{"capture: card number as ttl", "POST", "/v1/capture" + q("user", user, "passphrase", passphrase, "ttl", pan), "", 400, "[redacted]"},
		{"capture: card number as unique id", "POST", "/v1/capture" + q("user", user, "passphrase", passphrase, "unique_id", pan), "", 400, "card number"},
		{"capture: bad unique id", "POST", "/v1/capture" + q("user", user, "passphrase", passphrase, "unique_id", "a/b"), "", 400, "unique_id"},
		{"capture: reference without token", "POST", "/v1/capture" + q("user", user, "passphrase", passphrase, "reference", "r"), "", 400, "token"},
		{"capture: unknown lock token", "POST", "/v1/capture" + q("user", user, "passphrase", passphrase, "token", strings.Repeat("a", 64)), "", 404, "no data"},
		{"unknown route", "GET", "/v1/nothing", "", 404, "no such route"},
		{"wrong method", "PATCH", "/v1/vault", "", 405, "not allowed"},
		{"limit not a number", "GET", "/v1/key?limit=many", "", 400, "limit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.call(t, c.method, c.path, c.body)
			msg := wantError(t, resp, body, c.status)
			if !strings.Contains(msg, c.reason) {
				t.Errorf("message %q does not say %q", msg, c.reason)
			}
			if strings.Contains(msg, pan) || strings.Contains(msg, passphrase) || strings.Contains(msg, "NotThePassphrase") {
				t.Errorf("message %q quotes a secret", msg)
			}
			if e.entries(t) != 0 || e.endpoints(t) != 0 {
				t.Fatal("a refused request wrote something")
			}
		})
	}
}

// User names and references are stored in the clear and go into audit
// targets and logs, so new ones that look like card numbers are refused,
// and nothing is written or audited.
func TestCardLikeNamesAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t)
	for _, c := range []struct {
		name, method, path, body string
		post                     bool
	}{
		{"user", "POST", "/v1/key", `{"user":"` + spacedPAN + `","passphrase":"` + passphrase + `"}`, false},
		{"user in the query", "POST", "/v1/key" + q("user", "card-4111-1111-1111-1111", "passphrase", passphrase), "", false},
		{"reference of stored data", "POST", "/v1/vault" + q("user", user, "passphrase", passphrase, "reference", pan), `{"a":1}`, false},
		{"reference of captured data", "POST", ep.URL + q("reference", "order "+spacedPAN), `{"a":1}`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var resp *http.Response
			var body []byte
			if c.post {
				resp, body = e.post(t, c.path, ep.Secret, c.body)
			} else {
				resp, body = e.call(t, c.method, c.path, c.body)
			}
			msg := wantError(t, resp, body, http.StatusBadRequest)
			if !strings.Contains(msg, "card number") || strings.Contains(msg, "4111") {
				t.Errorf("message %q", msg)
			}
		})
	}
	resp, body := e.call(t, "GET", "/v1/key", "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(string(body), "4111") || e.entries(t) != 0 {
		t.Fatalf("a refused name was written: keys %s, %d entries", body, e.entries(t))
	}
	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if strings.Contains(strings.Join(en.Targets, " "), "4111") {
			t.Fatalf("audited %s with a card-like target", en.Action)
		}
	}
}
