package pcivault_test

// The capture flow of seed 000 ("Proxy Capture Data"), step by step.

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// seedCard is the body the seed's fetch example sends.
const seedCard = `{"card_expiry": "06-2025", "card_holder": "J DOE", "card_number": "4111 1111 1111 1111"}`

var endpointURL = regexp.MustCompile(`^/v1/capture/[A-Za-z0-9_-]{22}$`)

// Step 1: the server creates a unique endpoint with key, passphrase and
// ttl=45m (Basic auth), and gets back the URL, a secret and the expiry.
func TestSeed000Step1CreateEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	before := e.Clock.Now()
	resp, body := e.call(t, "POST", "/v1/capture"+q("user", user, "passphrase", passphrase, "ttl", "45m"), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	ep := vaulttest.Decode[endpoint](t, body)
	if !endpointURL.MatchString(ep.URL) || len(ep.Secret) < 32 || ep.Lockdown != nil {
		t.Fatalf("create answered %s", body)
	}
	exp, err := time.Parse(time.RFC3339, *ep.ExpiresAt)
	if err != nil || exp.Before(before.Add(45*time.Minute-time.Second)) || exp.After(before.Add(46*time.Minute)) {
		t.Fatalf("expires_at %q is not 45 minutes from now", *ep.ExpiresAt)
	}
	if strings.Contains(string(body), passphrase) {
		t.Fatalf("the answer holds the passphrase: %s", body)
	}

	t.Run("default ttl is 24 hours", func(t *testing.T) {
		ep := e.createEndpoint(t)
		exp, _ := time.Parse(time.RFC3339, *ep.ExpiresAt)
		if d := exp.Sub(e.Clock.Now()); d < 23*time.Hour+59*time.Minute || d > 24*time.Hour {
			t.Fatalf("default expiry in %s", d)
		}
	})
	t.Run("ttl 0 seconds never expires", func(t *testing.T) {
		for _, ttl := range []string{"0", "0s", "P0T"} {
			if ep := e.createEndpoint(t, "ttl", ttl); ep.ExpiresAt != nil {
				t.Fatalf("ttl=%s expires at %s", ttl, *ep.ExpiresAt)
			}
		}
	})
	t.Run("own unique id", func(t *testing.T) {
		ep := e.createEndpoint(t, "unique_id", "order-1234-card")
		if ep.URL != "/v1/capture/order-1234-card" || ep.UniqueID != "order-1234-card" {
			t.Fatalf("own id answered %+v", ep)
		}
	})
}

// Step 2: the URL and secret are all a third party needs; the secret is
// shown once and never listed.
func TestSeed000Step2URLAndSecretAreEnough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t)
	resp, body := e.call(t, "GET", "/v1/capture", "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(string(body), ep.Secret) || !strings.Contains(string(body), ep.UniqueID) {
		t.Fatalf("endpoint list: %s", body)
	}
	// No account credentials, no key, no passphrase: only URL and secret.
	resp, body = e.post(t, ep.URL, ep.Secret, seedCard)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	// Neither stored record holds the secret or the passphrase.
	for _, kind := range []string{vault.KindCaptureEndpoint, vault.KindUserKey} {
		recs, err := e.Store.ListRecords(context.Background(), recordQuery(kind), e.Clock.Now())
		if err != nil || len(recs) == 0 {
			t.Fatalf("records of %s: %v", kind, err)
		}
		for _, r := range recs {
			if strings.Contains(string(r.Data), ep.Secret) || strings.Contains(string(r.Data), passphrase) {
				t.Fatalf("%s record holds a secret", kind)
			}
		}
	}
}

// Step 3: the third party posts the card with JavaScript's fetch: a CORS
// preflight, then a POST whose body is JSON.stringify(...) with the secret
// header. The vault answers token, user and reference (= the endpoint id).
func TestSeed000Step3ThirdPartyPostsWithFetch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t, "ttl", "45m")

	resp, body := e.Do(t, "OPTIONS", ep.URL, "", "Origin", "https://shop.example",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-pcivault-capture-secret")
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("preflight: %d %s", resp.StatusCode, body)
	}
	h := resp.Header
	if h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "x-pcivault-capture-secret") ||
		h.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight headers: %v", h)
	}

	resp, body = e.post(t, ep.URL, ep.Secret, seedCard)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("the POST answer cannot be read by the page: %v", resp.Header)
	}
	got := vaulttest.Decode[map[string]string](t, body)
	if len(got) != 3 || !tokenPattern.MatchString(got["token"]) || got["user"] != user || got["reference"] != ep.UniqueID {
		t.Fatalf("capture answered %s", body)
	}
	if out := e.reveal(t, got["token"], got["reference"]); out != seedCard {
		t.Fatalf("stored data reads back as %s, want exactly %s", out, seedCard)
	}

	t.Run("an error is readable by the page too", func(t *testing.T) {
		resp, body := e.post(t, ep.URL, "wrong-secret", seedCard)
		wantError(t, resp, body, http.StatusUnauthorized)
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("WWW-Authenticate") != "" {
			t.Fatalf("error headers: %v", resp.Header)
		}
	})
	t.Run("the third party overrides the reference", func(t *testing.T) {
		resp, body := e.post(t, ep.URL+q("reference", "customer-42"), ep.Secret, seedCard)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		got2 := vaulttest.Decode[map[string]string](t, body)
		if got2["reference"] != "customer-42" || got2["token"] != got["token"] {
			t.Fatalf("capture with reference answered %s", body)
		}
	})
	t.Run("the form's own query parameters are accepted", func(t *testing.T) {
		resp, body := e.post(t, ep.URL+q("form_type", "pcd", "reference", "form-ref"), ep.Secret,
			`{"card_number":"4111111111111111","card_holder":"J DOE","cvv":"123","expiry":"06/25"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
	})
}

// Step 4: the server finds the token and reference by listing the vault.
func TestSeed000Step4ListTokensAndReferences(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t)
	resp, body := e.post(t, ep.URL, ep.Secret, seedCard)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	got := vaulttest.Decode[stored](t, body)

	resp, body = e.call(t, "GET", "/v1/vault", "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	list := vaulttest.Decode[map[string][]lockdownInfo](t, body)
	if len(list[user]) != 1 || list[user][0].Token != got.Token || list[user][0].Reference != ep.UniqueID {
		t.Fatalf("list answered %s", body)
	}
	if strings.Contains(string(body), "J DOE") || strings.Contains(string(body), "1111") {
		t.Fatalf("the list holds card data: %s", body)
	}
}

// Step 5: the server deletes the endpoint; it stops working and its id is
// free again.
func TestSeed000Step5DeleteEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t, "unique_id", "one-time")
	resp, body := e.post(t, ep.URL, ep.Secret, seedCard)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	got := vaulttest.Decode[stored](t, body)
	resp, body = e.call(t, "DELETE", ep.URL, "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.post(t, ep.URL+q("reference", "after"), ep.Secret, seedCard)
	wantError(t, resp, body, http.StatusNotFound)
	resp, body = e.call(t, "DELETE", ep.URL, "")
	wantError(t, resp, body, http.StatusNotFound)
	if e.entries(t) != 1 {
		t.Fatal("a deleted endpoint stored data")
	}
	// What the endpoint captured stays readable after it is gone.
	if out := e.reveal(t, got.Token, got.Reference); out != seedCard {
		t.Fatalf("captured data reads %s", out)
	}
	e.createEndpoint(t, "unique_id", "one-time")

	t.Run("query form", func(t *testing.T) {
		resp, body := e.call(t, "DELETE", "/v1/capture"+q("unique_id", "one-time"), "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if e.endpoints(t) != 0 {
			t.Fatal("endpoint still listed")
		}
	})
}

// Step 5, the other way: an endpoint nobody deletes expires, answers 404,
// and is cleaned in the background, which frees its id. An id whose
// endpoint expired is also cleaned (and so freed) when it is asked for again.
func TestSeed000Step5EndpointExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t, "unique_id", "short-lived", "ttl", "PT10M")
	e.Clock.Advance(9 * time.Minute)
	resp, body := e.post(t, ep.URL, ep.Secret, seedCard)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)

	e.Clock.Advance(2 * time.Minute)
	resp, body = e.post(t, ep.URL+q("reference", "late"), ep.Secret, seedCard)
	wantError(t, resp, body, http.StatusNotFound)
	if e.endpoints(t) != 0 {
		t.Fatal("an expired endpoint is listed")
	}
	n, err := e.Vault.CleanExpired(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("cleaner removed %d rows: %v", n, err)
	}
	resp, body = e.call(t, "DELETE", ep.URL, "")
	wantError(t, resp, body, http.StatusNotFound)
	again := e.createEndpoint(t, "unique_id", "short-lived", "ttl", "1m")
	if e.entries(t) != 1 {
		t.Fatalf("%d entries, want the one captured in time", e.entries(t))
	}

	e.Clock.Advance(2 * time.Minute)
	taken := e.createEndpoint(t, "unique_id", "short-lived")
	resp, body = e.post(t, again.URL, again.Secret, seedCard)
	wantError(t, resp, body, http.StatusUnauthorized) // the old secret does not open the new endpoint
	resp, body = e.post(t, taken.URL, taken.Secret, `{"note":"new endpoint"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
}

// The capture route does not need (or honour) account credentials.
func TestCaptureNeedsNoAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t)
	resp, body := e.Do(t, "POST", ep.URL, seedCard, pcivault.SecretHeader, ep.Secret)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.Do(t, "POST", ep.URL, seedCard, "Authorization", e.basic)
	wantError(t, resp, body, http.StatusUnauthorized)
}
