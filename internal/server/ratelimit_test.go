package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/ratelimit"
	"github.com/cardvault/cardvault/internal/vault"
)

// sandboxAuth authenticates "key-a" and "key-b" as two keys of one tenant.
type sandboxAuth struct{}

func (sandboxAuth) Authenticate(_ context.Context, secret string) (vault.Principal, error) {
	switch secret {
	case "key-a", "key-b":
		return vault.Principal{Tenant: "t1", KeyID: secret}, nil
	}
	return vault.Principal{}, vault.Errorf(vault.CodeUnauthorized, "unknown key")
}

func mustLimiter(t *testing.T, spec string) *ratelimit.Limiter {
	t.Helper()
	l, err := ratelimit.ParseLimit(spec)
	if err != nil {
		t.Fatal(err)
	}
	return ratelimit.New(l, ratelimit.Options{})
}

// rateLimitedServer serves GET /t/cards behind a per-address limit (burst
// ipBurst), then authentication, then a per-key limit (burst keyBurst, one
// token an hour so nothing refills during the test).
func rateLimitedServer(t *testing.T, ipBurst, keyBurst int) *httptest.Server {
	t.Helper()
	facades := []Facade{testFacade{prefix: "/t"}}
	refuse := RefuseInShape(facades)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	fail := func(w http.ResponseWriter, r *http.Request, err error) {
		WriteNativeError(w, r, Status(vault.CodeOf(err)), "no")
	}
	var h http.Handler = RequireKey(sandboxAuth{}, "Bearer", "", fail,
		LimitByKey(mustLimiter(t, "1/h:"+strconv.Itoa(keyBurst)), refuse, ok))
	h = LimitByAddr(mustLimiter(t, "1/h:"+strconv.Itoa(ipBurst)), ratelimit.ClientAddr{}, refuse, h)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

func TestBurstRefusedWith429AndRetryAfter(t *testing.T) {
	ts := rateLimitedServer(t, 1000, 5)
	for i := range 5 {
		if resp, body := get(t, "GET", ts.URL+"/t/cards", "", "X-Api-Key", "key-a"); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("request %d of the burst: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := get(t, "GET", ts.URL+"/t/cards", "", "X-Api-Key", "key-a")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("6th request: %d %s, want 429", resp.StatusCode, body)
	}
	ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 3600 {
		t.Errorf("Retry-After %q, want whole seconds up to an hour", resp.Header.Get("Retry-After"))
	}
	var shaped struct { // testFacade's own error shape
		Oops   string
		Status int
	}
	if err := json.Unmarshal([]byte(body), &shaped); err != nil || shaped.Status != 429 || shaped.Oops != RateLimitMessage {
		t.Errorf("refusal %s is not in the facade's shape", body)
	}
	// Another key of the same tenant is not affected.
	if resp, body := get(t, "GET", ts.URL+"/t/cards", "", "X-Api-Key", "key-b"); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("key-b refused after key-a was exhausted: %d %s", resp.StatusCode, body)
	}
}

func TestAddressLimitCoversUnauthenticatedRequests(t *testing.T) {
	ts := rateLimitedServer(t, 3, 1000)
	for range 3 {
		get(t, "GET", ts.URL+"/t/cards", "", "X-Api-Key", "guess")
	}
	resp, _ := get(t, "GET", ts.URL+"/t/cards", "", "X-Api-Key", "key-a")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("4th request from the address: %d, want 429 with Retry-After", resp.StatusCode)
	}
	// Spoofed X-Forwarded-For buys nothing without trusted proxies.
	resp, _ = get(t, "GET", ts.URL+"/t/cards", "", "X-Api-Key", "key-a", "X-Forwarded-For", "198.51.100.9")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("X-Forwarded-For escaped the limit: %d", resp.StatusCode)
	}
}

// sandboxLimiter refuses everything with a fixed wait.
type sandboxLimiter struct{ wait time.Duration }

func (s sandboxLimiter) Allow(string) (bool, time.Duration) { return false, s.wait }

func TestRetryAfterRoundsUp(t *testing.T) {
	for wait, want := range map[time.Duration]string{time.Millisecond: "1", 1500 * time.Millisecond: "2", 3 * time.Second: "3"} {
		var got time.Duration
		h := LimitByAddr(sandboxLimiter{wait}, ratelimit.ClientAddr{}, func(w http.ResponseWriter, r *http.Request, d time.Duration) {
			got = d
			w.WriteHeader(http.StatusTooManyRequests)
		}, http.NotFoundHandler())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != 429 || rec.Header().Get("Retry-After") != want || got != wait {
			t.Errorf("wait %v: %d Retry-After %q (refusal saw %v), want %s", wait, rec.Code, rec.Header().Get("Retry-After"), got, want)
		}
	}
}
