package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/vault"
)

// testFacade is a facade built from function fields.
type testFacade struct {
	prefix string
	routes func(*Mux)
}

func (f testFacade) Routes(m *Mux)         { f.routes(m) }
func (f testFacade) Owns(path string) bool { return HasPrefix(path, f.prefix) }
func (f testFacade) WriteError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	Encode(w, status, map[string]any{"oops": msg, "status": status})
}

type readyFunc func(context.Context) error

func (f readyFunc) Ready(ctx context.Context) error { return f(ctx) }

func newTestServer(t *testing.T, ready error) (*httptest.Server, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&log, nil))
	f := testFacade{prefix: "/t", routes: func(m *Mux) {
		m.Handle("GET /t/panic", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("boom 4111111111111111")
		}))
		m.Handle("POST /t/echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v, err := Decode[map[string]any](r, false)
			if err != nil {
				Encode(w, Status(vault.CodeOf(err)), map[string]string{"error": err.Error()})
				return
			}
			Encode(w, http.StatusOK, v)
		}))
		m.Handle("GET /t/slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(10 * time.Millisecond)
			w.WriteHeader(http.StatusNoContent)
		}))
	}}
	h := New(Config{Logger: logger, Registry: prometheus.NewRegistry(), MaxBody: 1024,
		Ready: readyFunc(func(context.Context) error { return ready }), Facades: []Facade{f}})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts, &log
}

func get(t *testing.T, method, url, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPanicBecomes500WithRequestID(t *testing.T) {
	ts, log := newTestServer(t, nil)
	resp, body := get(t, "GET", ts.URL+"/t/panic", "")
	if resp.StatusCode != 500 || !strings.Contains(body, `"oops"`) || !strings.Contains(body, resp.Header.Get(RequestIDHeader)) {
		t.Fatalf("panic answered %d %s", resp.StatusCode, body)
	}
	if strings.Contains(log.String(), "4111111111111111") || !strings.Contains(log.String(), "panic serving request") {
		t.Fatalf("panic log:\n%s", log)
	}
	// The server still serves.
	if resp, _ := get(t, "GET", ts.URL+"/healthz", ""); resp.StatusCode != 200 {
		t.Fatalf("after a panic /healthz answered %d", resp.StatusCode)
	}
}

func TestRequestIDs(t *testing.T) {
	ts, _ := newTestServer(t, nil)
	resp, _ := get(t, "GET", ts.URL+"/healthz", "", RequestIDHeader, "abc-123")
	if got := resp.Header.Get(RequestIDHeader); got != "abc-123" {
		t.Errorf("a safe caller id was not kept: %q", got)
	}
	for _, bad := range []string{"4111111111111111", "4111.1111.1111.1111", "4111:1111_1111-1111", "has space", strings.Repeat("x", 65)} {
		resp, _ := get(t, "GET", ts.URL+"/healthz", "", RequestIDHeader, bad)
		if got := resp.Header.Get(RequestIDHeader); got == bad || !strings.HasPrefix(got, "req_") {
			t.Errorf("unsafe caller id %q answered with %q", bad, got)
		}
	}
}

func TestRoutingErrorsInFacadeShape(t *testing.T) {
	ts, _ := newTestServer(t, nil)
	resp, body := get(t, "GET", ts.URL+"/t/nothing", "")
	if resp.StatusCode != 404 || !strings.Contains(body, `"oops"`) {
		t.Errorf("unknown route under a facade: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, "DELETE", ts.URL+"/t/echo", "")
	if resp.StatusCode != 405 || !strings.Contains(body, `"oops"`) || !strings.Contains(resp.Header.Get("Allow"), "POST") {
		t.Errorf("wrong method: %d %s allow=%q", resp.StatusCode, body, resp.Header.Get("Allow"))
	}
	resp, body = get(t, "GET", ts.URL+"/elsewhere", "")
	if resp.StatusCode != 404 || !strings.Contains(body, `"not_found"`) {
		t.Errorf("unknown route outside facades: %d %s", resp.StatusCode, body)
	}
}

func TestBodyLimit(t *testing.T) {
	ts, _ := newTestServer(t, nil)
	big := `{"a":"` + strings.Repeat("x", 2000) + `"}`
	resp, body := get(t, "POST", ts.URL+"/t/echo", big)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("declared length over the limit: %d %s", resp.StatusCode, body)
	}
	// Chunked: no Content-Length, so the limit bites while reading.
	req, _ := http.NewRequest("POST", ts.URL+"/t/echo", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body over the limit: %d", r2.StatusCode)
	}
	if resp, _ := get(t, "POST", ts.URL+"/t/echo", `{"a":1}`); resp.StatusCode != 200 {
		t.Errorf("small body: %d", resp.StatusCode)
	}
}

func TestReadyAndMetrics(t *testing.T) {
	ts, _ := newTestServer(t, errors.New("store down"))
	if resp, _ := get(t, "GET", ts.URL+"/readyz", ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with a failing store: %d", resp.StatusCode)
	}
	get(t, "GET", ts.URL+"/t/slow", "")
	_, m := get(t, "GET", ts.URL+"/metrics", "")
	for _, want := range []string{
		`cardvault_http_requests_total{method="GET",route="GET /t/slow",status="204"} 1`,
		`cardvault_http_request_duration_seconds_bucket{method="GET",route="GET /t/slow"`,
		`cardvault_http_requests_total{method="GET",route="GET /readyz",status="503"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestCredential(t *testing.T) {
	for _, tc := range []struct{ header, value, want string }{
		{"X-Api-Key", "k1", "k1"},
		{"Api-Key", "k2", "k2"},
		{"Authorization", "Bearer k3", "k3"},
		{"Authorization", "bearer k3", "k3"},
		{"Authorization", "api-key=k4", "k4"},
		{"Authorization", "Basic dXNlcjprNQ==", "k5"},
		{"Authorization", "Digest x", ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set(tc.header, tc.value)
		if got := Credential(r); got != tc.want {
			t.Errorf("%s: %q → %q, want %q", tc.header, tc.value, got, tc.want)
		}
	}
}

func TestRedactDigits(t *testing.T) {
	for in, want := range map[string]string{
		"/cards/4111111111111111/x": "/cards/[redacted]/x",
		"4111 1111 1111 1111":       "[redacted]",
		"4111-1111-1111-1111":       "[redacted]",
		"/cards/12345678901":        "/cards/12345678901",
		"id 0190c3f2-aaaa":          "id 0190c3f2-aaaa",
	} {
		if got := RedactDigits(in); got != want {
			t.Errorf("RedactDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLogNeverHoldsMethodOrUnknownFieldDigits(t *testing.T) {
	ts, log := newTestServer(t, nil)
	get(t, "4111111111111111", ts.URL+"/t/echo", "")
	_, body := get(t, "POST", ts.URL+"/t/echo", `{"a":1}`)
	if strings.Contains(log.String(), "4111111111111111") || strings.Contains(body, "4111111111111111") {
		t.Fatalf("card number in the log or body:\n%s\n%s", log, body)
	}
	if err := DecodeBytes([]byte(`{"4111111111111111":1}`), &struct{ A int }{}, true); err == nil || strings.Contains(err.Error(), "4111111111111111") {
		t.Fatalf("unknown-field error: %v", err)
	}
}

func TestUnmatchedPathsHideCredentialLikeSegments(t *testing.T) {
	ts, log := newTestServer(t, nil)
	for _, secret := range []string{"Zx9_aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX4yZ5", "Zx9-aB3cD4eF5-gH6iJ7kL8mN-9oP0qR1sT2u-V3wX4yZ5"} {
		get(t, "GET", ts.URL+"/sessions//"+secret, "")
		get(t, "GET", ts.URL+"/nowhere/"+secret+"/x", "")
		get(t, "GET", ts.URL+"/t/"+secret+"/", "")
		get(t, "GET", ts.URL+"//t/slow/../"+secret, "")
		if strings.Contains(log.String(), secret) {
			t.Fatalf("a credential-like segment of an unmatched path reached the log:\n%s", log)
		}
	}
	get(t, "GET", ts.URL+"/t/nothing/0190c3f2-aaaa-7bbb-8ccc-0123456789ab", "")
	if !strings.Contains(log.String(), "0190c3f2-aaaa-7bbb-8ccc-0123456789ab") {
		t.Fatalf("a UUID was masked:\n%s", log)
	}
}

// A store that cannot be reached is a 503 with Retry-After in the facade's
// shape, never a 500; the cause stays in the log.
func TestStoreUnavailableIs503WithRetryAfter(t *testing.T) {
	var log bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&log, nil))
	f := testFacade{prefix: "/t", routes: func(m *Mux) {
		m.Handle("GET /t/store", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			status, e := Fail(logger, r, fmt.Errorf("postgres: create card: %w (conn closed)", vault.ErrUnavailable))
			Encode(w, status, map[string]string{"error": e.Public})
		}))
	}}
	ts := httptest.NewServer(New(Config{Logger: logger, Registry: prometheus.NewRegistry(), Facades: []Facade{f}}))
	defer ts.Close()
	resp, body := get(t, "GET", ts.URL+"/t/store", "")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("store unavailable: %d, Retry-After %q; want 503 with Retry-After 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if strings.Contains(body, "conn closed") || !strings.Contains(body, "retry") {
		t.Errorf("body %s: want the public retry message without the cause", body)
	}
	if !strings.Contains(log.String(), "conn closed") {
		t.Errorf("the cause was not logged: %s", log.String())
	}
}

// Drain turns /readyz to 503 while requests are still served.
func TestDrainTurnsReadyzFirst(t *testing.T) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	s := New(Config{Logger: logger, Registry: prometheus.NewRegistry()})
	ts := httptest.NewServer(s)
	defer ts.Close()
	if resp, _ := get(t, "GET", ts.URL+"/readyz", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz before drain: %d", resp.StatusCode)
	}
	s.Drain()
	if resp, body := get(t, "GET", ts.URL+"/readyz", ""); resp.StatusCode != http.StatusServiceUnavailable ||
		!strings.Contains(body, "draining") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("/readyz while draining: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, "GET", ts.URL+"/healthz", ""); resp.StatusCode != http.StatusOK || !resp.Close {
		t.Errorf("/healthz while draining: %d, connection close %v; want 200 closing the connection", resp.StatusCode, resp.Close)
	}
}
