package forward_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/forward"
)

// upstream is a loopback HTTP server that records what it received.
type upstream struct {
	*httptest.Server
	hits atomic.Int32
	last atomic.Pointer[received]
}

type received struct {
	Method, Path, Host string
	Header             http.Header
	Body               []byte
}

// newUpstream starts a plain HTTP upstream whose handler is h (nil: echo
// 201 with a few headers).
func newUpstream(t *testing.T, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/vnd.test+json")
			w.Header().Set("X-Frame-Options", "SAMEORIGIN")
			w.Header().Set("Connection", "X-Secret-Hop")
			w.Header().Set("X-Secret-Hop", "1")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"ok":true}`)
		}
	}
	u.Server = httptest.NewServer(u.record(h))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) record(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.last.Store(&received{Method: r.Method, Path: r.URL.RequestURI(), Host: r.Host, Header: r.Header.Clone(), Body: body})
		u.hits.Add(1)
		h(w, r)
	}
}

// hostPort returns the upstream's "127.0.0.1:port".
func (u *upstream) hostPort() string {
	return strings.TrimPrefix(strings.TrimPrefix(u.URL, "http://"), "https://")
}

func (u *upstream) port() string {
	_, p, _ := strings.Cut(u.hostPort(), ":")
	return p
}

func newRelay(t *testing.T, rules string, o forward.Options) *forward.Relay {
	t.Helper()
	allow, err := forward.ParseAllowlist(rules)
	if err != nil {
		t.Fatalf("ParseAllowlist(%q): %v", rules, err)
	}
	r := forward.NewRelay(allow, o)
	t.Cleanup(r.Close)
	return r
}

// resolver is a fake DNS: names map to addresses.
func resolver(names map[string]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		a, ok := names[strings.ToLower(strings.TrimSuffix(host, "."))]
		if !ok {
			return nil, errors.New("no such host")
		}
		var out []netip.Addr
		for s := range strings.SplitSeq(a, ",") {
			out = append(out, netip.MustParseAddr(s))
		}
		return out, nil
	}
}

func TestRelayForwardsRequestAndResponse(t *testing.T) {
	up := newUpstream(t, nil)
	r := newRelay(t, "http://"+up.hostPort(), forward.Options{})
	resp, err := r.Do(t.Context(), forward.Request{
		Method: http.MethodPut,
		URL:    up.URL + "/v1/pay?x=1",
		Header: http.Header{
			"Content-Type":              {"application/json"},
			"X-Merchant":                {"m1"},
			"X-Api-Key":                 {"vault-key-should-not-leave"},
			"Authorization":             {"Bearer vault-key-should-not-leave"},
			"X-Vault-Forward-Url":       {"http://elsewhere"},
			"Connection":                {"keep-alive, X-Drop-Me"},
			"X-Drop-Me":                 {"1"},
			"Keep-Alive":                {"timeout=5"},
			"Te":                        {"trailers"},
			"Proxy-Authorization":       {"Basic eDp5"},
			"Upgrade":                   {"websocket"},
			"Trailer":                   {"X-T"},
			"X-Vault-Forward-Header-Ab": {"should not leave either"},
		},
		Own:  http.Header{"Authorization": {"Bearer provider-key"}},
		Body: []byte(`{"n":"4111111111111111"}`),
	})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.Status != http.StatusCreated || string(resp.Body) != `{"ok":true}` {
		t.Errorf("response %d %s", resp.Status, resp.Body)
	}
	if resp.Header.Get("Content-Type") != "application/vnd.test+json" || resp.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("response header %v", resp.Header)
	}
	if resp.Header.Get("X-Secret-Hop") != "" || resp.Header.Get("Connection") != "" {
		t.Errorf("hop-by-hop response headers relayed: %v", resp.Header)
	}
	got := up.last.Load()
	if got.Method != http.MethodPut || got.Path != "/v1/pay?x=1" || string(got.Body) != `{"n":"4111111111111111"}` {
		t.Errorf("upstream got %s %s %s", got.Method, got.Path, got.Body)
	}
	if got.Header.Get("Authorization") != "Bearer provider-key" || got.Header.Get("X-Merchant") != "m1" {
		t.Errorf("provider headers missing: %v", got.Header)
	}
	for _, h := range []string{"X-Api-Key", "X-Vault-Forward-Url", "X-Vault-Forward-Header-Ab", "X-Drop-Me", "Keep-Alive", "Te", "Proxy-Authorization", "Upgrade", "Trailer"} {
		if v := got.Header.Get(h); v != "" {
			t.Errorf("upstream received %s: %q", h, v)
		}
	}
	for name, vs := range got.Header {
		for _, v := range vs {
			if strings.Contains(v, "vault-key-should-not-leave") {
				t.Errorf("vault credential reached upstream in %s", name)
			}
		}
	}
}

func TestRelayReturnsRedirectsUnfollowed(t *testing.T) {
	target := newUpstream(t, nil)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/stolen", http.StatusFound)
	})
	r := newRelay(t, "http://"+up.hostPort()+",http://"+target.hostPort(), forward.Options{})
	resp, err := r.Do(t.Context(), forward.Request{URL: up.URL, Body: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusFound || !strings.HasSuffix(resp.Header.Get("Location"), "/stolen") {
		t.Errorf("got %d %v", resp.Status, resp.Header)
	}
	if target.hits.Load() != 0 {
		t.Error("redirect was followed")
	}
}

func TestRelayTLS(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secure "+r.Proto)
	}))
	t.Cleanup(ts.Close)
	hp := strings.TrimPrefix(ts.URL, "https://")
	pool := ts.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

	t.Run("trusted", func(t *testing.T) {
		r := newRelay(t, hp, forward.Options{RootCAs: pool})
		resp, err := r.Do(t.Context(), forward.Request{URL: ts.URL + "/x"})
		if err != nil || !strings.HasPrefix(string(resp.Body), "secure") {
			t.Fatalf("Do = %v, %v", resp, err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		r := newRelay(t, hp, forward.Options{})
		_, err := r.Do(t.Context(), forward.Request{URL: ts.URL + "/x"})
		var ue *forward.UpstreamError
		if !errors.As(err, &ue) || ue.Kind != forward.UpstreamTLS {
			t.Fatalf("err = %v, want UpstreamTLS", err)
		}
	})
	t.Run("https rule does not allow http", func(t *testing.T) {
		r := newRelay(t, hp, forward.Options{RootCAs: pool})
		_, err := r.Do(t.Context(), forward.Request{URL: "http://" + hp + "/x"})
		var re *forward.RefusedError
		if !errors.As(err, &re) {
			t.Fatalf("err = %v, want RefusedError", err)
		}
	})
}

func TestRelayTimeout(t *testing.T) {
	release := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	r := newRelay(t, "http://"+up.hostPort(), forward.Options{})
	_, err := r.Do(t.Context(), forward.Request{URL: up.URL, Timeout: 50 * time.Millisecond})
	var ue *forward.UpstreamError
	if !errors.As(err, &ue) || ue.Kind != forward.UpstreamTimeout {
		t.Fatalf("err = %v, want UpstreamTimeout", err)
	}
}

func TestRelayRefusesLoopbackWithoutRule(t *testing.T) {
	up := newUpstream(t, nil)
	u, _ := url.Parse(up.URL)
	r := newRelay(t, "http://localhost:"+u.Port(), forward.Options{Resolver: resolver(map[string]string{"localhost": "127.0.0.1"})})
	_, err := r.Do(t.Context(), forward.Request{URL: "http://localhost:" + u.Port()})
	var re *forward.RefusedError
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "loopback") {
		t.Fatalf("err = %v, want a loopback refusal", err)
	}
	if up.hits.Load() != 0 {
		t.Error("upstream was called")
	}
}

func TestRelayHTTP2(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Proto", r.Proto)
		io.WriteString(w, r.Header.Get("X-Merchant"))
	}))
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := ts.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	r := newRelay(t, strings.TrimPrefix(ts.URL, "https://"), forward.Options{RootCAs: pool})
	resp, err := r.Do(t.Context(), forward.Request{URL: ts.URL, Header: http.Header{
		"X-Merchant": {"m1"}, "Connection": {"keep-alive"}, "Te": {"gzip"}, "Upgrade": {"h2c"}, "Keep-Alive": {"1"},
	}})
	if err != nil {
		t.Fatalf("Do over HTTP/2 with hop-by-hop headers given: %v", err)
	}
	if resp.Header.Get("X-Proto") != "HTTP/2.0" || string(resp.Body) != "m1" {
		t.Errorf("got %s %q", resp.Header.Get("X-Proto"), resp.Body)
	}
}
