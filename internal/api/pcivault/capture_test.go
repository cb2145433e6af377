package pcivault_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestCaptureSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t)
	other := e.createEndpoint(t)
	for name, secret := range map[string]string{
		"missing":                 "",
		"wrong":                   "S2TRYkjufkfwf8oItW2G_j1HcZ1ftMvURZwZJlbzb2BylPEPo8536sqdkO6J9i3x",
		"another endpoint's":      other.Secret,
		"right one with a suffix": ep.Secret + "x",
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := e.post(t, ep.URL, secret, seedCard)
			wantError(t, resp, body, http.StatusUnauthorized)
			if e.entries(t) != 0 {
				t.Fatal("data stored without the secret")
			}
		})
	}
	resp, body := e.post(t, "/v1/capture/no-such-endpoint", ep.Secret, seedCard)
	wantError(t, resp, body, http.StatusNotFound)
}

func TestCaptureTTLSpellings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	for ttl, d := range map[string]time.Duration{
		"45m": 45 * time.Minute, "2h": 2 * time.Hour, "1h30m": 90 * time.Minute,
		"PT10M": 10 * time.Minute, "P1D": 24 * time.Hour, "PT1H30M": 90 * time.Minute, "3600": time.Hour,
	} {
		t.Run(ttl, func(t *testing.T) {
			// The expiry is set while the request runs, which may take
			// seconds on a loaded machine: bound it by both ends.
			now := e.Clock.Now()
			ep := e.createEndpoint(t, "ttl", ttl)
			done := e.Clock.Now()
			exp, err := time.Parse(time.RFC3339, *ep.ExpiresAt)
			if err != nil || exp.Before(now.Add(d-time.Second)) || exp.After(done.Add(d+time.Second)) {
				t.Fatalf("ttl=%s expires at %s, want about %s", ttl, *ep.ExpiresAt, now.Add(d))
			}
		})
	}
}

// Two creates racing for one unique_id: exactly one wins, the other is a 409.
func TestCaptureIDReservedUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	for round := range 5 {
		id := "race-" + string(rune('a'+round))
		statuses := make([]int, 4)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Go(func() {
				resp, _ := e.call(t, "POST", "/v1/capture"+q("user", user, "passphrase", passphrase, "unique_id", id), "")
				statuses[i] = resp.StatusCode
			})
		}
		wg.Wait()
		won, lost := 0, 0
		for _, s := range statuses {
			switch s {
			case http.StatusOK:
				won++
			case http.StatusConflict:
				lost++
			}
		}
		if won != 1 || lost != len(statuses)-1 {
			t.Fatalf("round %d: statuses %v, want one 200 and the rest 409", round, statuses)
		}
	}
}

// Capture ids are unique across tenants; endpoint management is per tenant.
func TestCaptureTenants(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	ep := e.createEndpoint(t, "unique_id", "shared-name")
	other := vaulttest.BasicAuth(e.TenantKey(t, "other"))
	resp, body := e.Do(t, "POST", "/v1/key", `{"user":"`+user+`","passphrase":"`+passphrase+`"}`, "Authorization", other)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)

	resp, body = e.Do(t, "POST", "/v1/capture"+q("user", user, "passphrase", passphrase, "unique_id", "shared-name"), "", "Authorization", other)
	wantError(t, resp, body, http.StatusConflict)
	resp, body = e.Do(t, "GET", "/v1/capture", "", "Authorization", other)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(string(body), "shared-name") {
		t.Fatalf("another tenant lists the endpoint: %s", body)
	}
	resp, body = e.Do(t, "DELETE", ep.URL, "", "Authorization", other)
	wantError(t, resp, body, http.StatusNotFound)

	// Data captured lands in the endpoint's tenant.
	resp, body = e.post(t, ep.URL, ep.Secret, seedCard)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.Do(t, "GET", "/v1/vault", "", "Authorization", other)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	if string(body) != "{}\n" {
		t.Fatalf("another tenant sees captured data: %s", body)
	}
}

func TestListCaptures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	s := e.store(t, "ref", storedCard)
	e.createEndpoint(t, "unique_id", "plain", "ttl", "0")
	e.createEndpoint(t, "unique_id", "locked", "token", s.Token, "reference", "ref")
	resp, body := e.call(t, "GET", "/v1/capture", "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	list := vaulttest.Decode[[]map[string]any](t, body)
	if len(list) != 2 || list[0]["unique_id"] != "locked" || list[1]["unique_id"] != "plain" {
		t.Fatalf("list: %s", body)
	}
	if list[0]["lockdown_info"] == nil || list[1]["expires_at"] != nil || list[1]["user"] != user || list[1]["secret"] != nil {
		t.Fatalf("list entries: %s", body)
	}
	resp, body = e.call(t, "GET", "/v1/capture?limit=1", "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	if next := resp.Header.Get(pcivault.NextTokenHeader); next != "locked" {
		t.Fatalf("next token %q", next)
	}
}

func TestCheckCapture(t *testing.T) {
	t.Parallel()
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		return []server.Facade{pcivault.New(d)}
	}})
	api := e.PCI
	pe := &env{Env: e, basic: vaulttest.BasicAuth(e.AdminKey)}
	pe.createKey(t, user, passphrase)
	ep := pe.createEndpoint(t, "unique_id", "form-target", "ttl", "1h")
	ctx := context.Background()
	c, err := api.CheckCapture(ctx, "form-target", ep.Secret)
	if err != nil || c.Tenant != vault.DefaultTenant || c.ExpiresAt.IsZero() || c.Secret != "" {
		t.Fatalf("check: %+v %v", c, err)
	}
	if _, err := api.CheckCapture(ctx, "form-target", "wrong"); vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Fatalf("wrong secret: %v", err)
	}
	e.Clock.Advance(2 * time.Hour)
	if _, err := api.CheckCapture(ctx, "form-target", ep.Secret); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("expired endpoint: %v", err)
	}
}
