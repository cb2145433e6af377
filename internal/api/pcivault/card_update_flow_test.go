package pcivault_test

// The card update flow of seed 001 ("Updating card data"): a capture
// endpoint locked down to one stored card, step by step.

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

const storedCard = `{"card_number":"4111 1111 1111 1111","card_holder":"J DOE","card_expiry":"06-2025","cvv":"000"}`

// lockedEnv stores a card under my-reference and creates an endpoint
// locked down to it, as the seed's first step does.
func lockedEnv(t *testing.T) (*env, stored, endpoint) {
	t.Helper()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	s := e.store(t, "my-reference", storedCard)
	ep := e.createEndpoint(t, "ttl", "PT10M", "token", s.Token, "reference", "my-reference")
	return e, s, ep
}

// Step 1: create an endpoint locked down to a token and reference, with
// ttl=PT10M; the answer carries lockdown_info.
func TestSeed001Step1CreateLockedDownEndpoint(t *testing.T) {
	e, s, ep := lockedEnv(t)
	if !endpointURL.MatchString(ep.URL) || ep.Secret == "" || ep.Lockdown == nil ||
		ep.Lockdown.Token != s.Token || ep.Lockdown.Reference != "my-reference" {
		t.Fatalf("locked endpoint: %+v", ep)
	}
	exp, err := time.Parse(time.RFC3339, *ep.ExpiresAt)
	if d := exp.Sub(e.Clock.Now()); err != nil || d < 9*time.Minute || d > 10*time.Minute {
		t.Fatalf("expires_at %q is not 10 minutes away", *ep.ExpiresAt)
	}

	t.Run("only an existing entry of the user can be locked to", func(t *testing.T) {
		resp, body := e.call(t, "POST", "/v1/capture"+q("user", user, "passphrase", passphrase, "token", s.Token, "reference", "other"), "")
		wantError(t, resp, body, http.StatusNotFound)
		e.createKey(t, "second-user", passphrase)
		resp, body = e.call(t, "POST", "/v1/capture"+q("user", "second-user", "passphrase", passphrase, "token", s.Token, "reference", "my-reference"), "")
		wantError(t, resp, body, http.StatusNotFound)
		resp, body = e.call(t, "POST", "/v1/capture"+q("user", user, "passphrase", passphrase, "token", "not-a-token"), "")
		wantError(t, resp, body, http.StatusBadRequest)
	})
	t.Run("the reference may be left out when the token has one entry", func(t *testing.T) {
		ep := e.createEndpoint(t, "token", s.Token)
		if ep.Lockdown == nil || ep.Lockdown.Reference != "my-reference" {
			t.Fatalf("lockdown without reference: %+v", ep.Lockdown)
		}
	})
}

// Step 2 (manual POST): the third party posts only the fields to update
// (new expiry and CVV) with fetch; they are merged into the stored card and
// the answer names the same user, token and reference.
func TestSeed001Step2PostUpdateWithFetch(t *testing.T) {
	e, s, ep := lockedEnv(t)
	resp, _ := e.Do(t, "OPTIONS", ep.URL, "", "Origin", "https://shop.example",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,x-pcivault-capture-secret")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body := e.post(t, ep.URL, ep.Secret, `{"card_expiry": "06-2025", "cvv": "145"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	got := vaulttest.Decode[map[string]string](t, body)
	if got["user"] != user || got["token"] != s.Token || got["reference"] != "my-reference" {
		t.Fatalf("update answered %s", body)
	}
	const merged = `{"card_number":"4111 1111 1111 1111","card_holder":"J DOE","card_expiry":"06-2025","cvv":"145"}`
	if out := e.reveal(t, s.Token, "my-reference"); out != merged {
		t.Fatalf("after the update the card reads %s, want %s", out, merged)
	}
	if e.entries(t) != 1 {
		t.Fatalf("%d entries after an update, want 1", e.entries(t))
	}
}

// A CVV-only update leaves every other field as it was, new fields are
// appended, and updates apply in order.
func TestLockedDownMergeFieldByField(t *testing.T) {
	e, s, ep := lockedEnv(t)
	for _, update := range []string{`{"cvv":"321"}`, `{"note":{"a":[1, 2]}}`, `{"cvv":"999"}`} {
		resp, body := e.post(t, ep.URL, ep.Secret, update)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
	}
	const wantData = `{"card_number":"4111 1111 1111 1111","card_holder":"J DOE","card_expiry":"06-2025","cvv":"999","note":{"a":[1, 2]}}`
	if out := e.reveal(t, s.Token, "my-reference"); out != wantData {
		t.Fatalf("merged data %s, want %s", out, wantData)
	}
	t.Run("the same number in another spelling is not a change", func(t *testing.T) {
		resp, body := e.post(t, ep.URL, ep.Secret, `{"card_number":"4111-1111-1111-1111"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if out := e.reveal(t, s.Token, "my-reference"); out != wantData {
			t.Fatalf("merged data %s", out)
		}
	})
	t.Run("the merge survives a passphrase change", func(t *testing.T) {
		resp, body := e.call(t, "PUT", "/v1/key", `{"user":"`+user+`","old_passphrase":"`+passphrase+`","new_passphrase":"AnotherLongPassphrase123"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		resp, body = e.post(t, ep.URL, ep.Secret, `{"cvv":"777"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		resp, body = e.call(t, "GET", "/v1/vault"+q("user", user, "passphrase", "AnotherLongPassphrase123", "token", s.Token, "reference", "my-reference"), "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if !strings.Contains(string(body), `"cvv":"777"`) || !strings.Contains(string(body), `"card_holder":"J DOE"`) {
			t.Fatalf("after the passphrase change: %s", body)
		}
	})
}

// The card number of a stored card cannot change through a locked-down
// endpoint: a different number is a 400 and nothing is written.
func TestLockedDownNumberIsImmutable(t *testing.T) {
	e, s, ep := lockedEnv(t)
	before := e.reveal(t, s.Token, "my-reference")
	for name, update := range map[string]string{
		"different number":         `{"card_number":"` + otherPAN + `","cvv":"145"}`,
		"different number field":   `{"number":"` + otherPAN + `"}`,
		"number field in capitals": `{"Number":"` + otherPAN + `"}`,
		"two spellings of a field": `{"card_number":"` + pan + `","CARD_NUMBER":"` + otherPAN + `"}`,
		"spelling that empties it": `{"card_number":"` + pan + `","Card_Number":""}`,
		"number removed":           `{"card_number":""}`,
		"number nulled":            `{"card_number":null}`,
		"invalid number":           `{"card_number":"4111111111111112"}`,
		"account number instead":   `{"account_number":"4111111111111111"}`,
		"not an object":            `["cvv","145"]`,
		"reference changed by URL": "",
	} {
		t.Run(name, func(t *testing.T) {
			ep := e.createEndpoint(t, "token", s.Token, "reference", "my-reference")
			path := ep.URL
			body := update
			if update == "" {
				path, body = ep.URL+q("reference", "elsewhere"), `{"cvv":"145"}`
			}
			resp, rb := e.post(t, path, ep.Secret, body)
			msg := wantError(t, resp, rb, http.StatusBadRequest)
			if strings.Contains(msg, otherPAN) || strings.Contains(msg, pan) {
				t.Fatalf("error quotes the card number: %s", msg)
			}
			if after := e.reveal(t, s.Token, "my-reference"); after != before {
				t.Fatalf("a refused update changed the data: %s", after)
			}
		})
	}
	t.Run("an entry stored without a number cannot gain one", func(t *testing.T) {
		plain := e.store(t, "no-number", `{"iban_note":"none"}`)
		ep := e.createEndpoint(t, "token", plain.Token, "reference", "no-number")
		resp, body := e.post(t, ep.URL, ep.Secret, `{"card_number":"`+pan+`"}`)
		wantError(t, resp, body, http.StatusBadRequest)
		if out := e.reveal(t, plain.Token, "no-number"); out != `{"iban_note":"none"}` {
			t.Fatalf("data changed to %s", out)
		}
	})
	t.Run("the locked entry is gone", func(t *testing.T) {
		resp, body := e.call(t, "DELETE", "/v1/vault"+q("token", s.Token, "reference", "my-reference"), "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		resp, body = e.post(t, ep.URL, ep.Secret, `{"cvv":"145"}`)
		wantError(t, resp, body, http.StatusNotFound)
		if e.entries(t) != 1 { // the no-number entry of the subtest above
			t.Fatalf("%d entries", e.entries(t))
		}
	})
}

// Steps 3 to 5 of seed 001 (hosted forms under /v1/capture/iframe) belong
// to the hosted forms facade. The capture routes must not block it: its
// literal "iframe" routes outrank {id} on the same mux, and no capture
// endpoint can take the id "iframe".
func TestHostedFormRoutesAreNotBlocked(t *testing.T) {
	t.Parallel()
	forms := formsStub{}
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		return []server.Facade{pcivault.New(d), forms}
	}})
	for _, r := range [][2]string{{"POST", "/v1/capture/iframe"}, {"GET", "/v1/capture/iframe"},
		{"GET", "/v1/capture/iframe/MmRMVP4UjYD8g5kVUcmx4Z"}, {"DELETE", "/v1/capture/iframe/MmRMVP4UjYD8g5kVUcmx4Z"}} {
		resp, body := e.Do(t, r[0], r[1], "")
		if resp.StatusCode != http.StatusTeapot {
			t.Errorf("%s %s reached %d %s, not the forms facade", r[0], r[1], resp.StatusCode, body)
		}
	}
	pe := &env{Env: e, basic: vaulttest.BasicAuth(e.AdminKey)}
	pe.createKey(t, user, passphrase)
	resp, body := pe.call(t, "POST", "/v1/capture"+q("user", user, "passphrase", passphrase, "unique_id", "iframe"), "")
	wantError(t, resp, body, http.StatusBadRequest)
}

// formsStub stands in for the hosted forms facade.
type formsStub struct{}

func (formsStub) Routes(m *server.Mux) {
	// It answers in PCI Vault's error shape, which the document allows.
	teapot := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(`{"error":"the forms stub"}`))
	})
	m.Handle("POST /v1/capture/iframe", teapot)
	m.Handle("GET /v1/capture/iframe", teapot)
	m.Handle("GET /v1/capture/iframe/{id}", teapot)
	m.Handle("DELETE /v1/capture/iframe/{id}", teapot)
}
func (formsStub) Owns(string) bool { return false }
func (formsStub) WriteError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.WriteHeader(status)
}

// A locked-down endpoint must not confirm guesses of the stored number: a
// number that is not the stored one is refused (400, nothing written), and
// the third such refusal deletes the endpoint, so later posts, the right
// number included, are a 404. Malformed numbers and the stored number
// itself are not counted.
func TestLockedDownRefusedNumbersBurnTheEndpoint(t *testing.T) {
	e, s, ep := lockedEnv(t)
	resp, body := e.post(t, ep.URL, ep.Secret, `{"card_number":"`+spacedPAN+`"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.post(t, ep.URL, ep.Secret, `{"card_number":"4111111111111112"}`)
	wantError(t, resp, body, http.StatusBadRequest)
	before := e.reveal(t, s.Token, "my-reference")
	guesses := []string{"5555555555554444", "4012888888881881", "4222222222222"}
	for i, guess := range guesses {
		resp, body := e.post(t, ep.URL, ep.Secret, `{"number":"`+guess+`","cvv":"1`+string(rune('0'+i))+`1"}`)
		msg := wantError(t, resp, body, http.StatusBadRequest)
		if last := i == len(guesses)-1; last != strings.Contains(msg, "deleted") || last != (e.endpoints(t) == 0) {
			t.Fatalf("refusal %d: %q with %d endpoints left", i+1, msg, e.endpoints(t))
		}
	}
	for _, data := range []string{`{"card_number":"` + pan + `"}`, `{"cvv":"145"}`} {
		resp, body := e.post(t, ep.URL, ep.Secret, data)
		wantError(t, resp, body, http.StatusNotFound)
	}
	if after := e.reveal(t, s.Token, "my-reference"); after != before {
		t.Fatalf("refused guesses changed the data: %s", after)
	}
}
