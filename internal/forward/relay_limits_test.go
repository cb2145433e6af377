package forward_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/forward"
)

// TestBadInputSendsNothing: every refusal happens before a connection is
// made.
func TestBadInputSendsNothing(t *testing.T) {
	up := newUpstream(t, nil)
	r := newRelay(t, "http://"+up.hostPort(), forward.Options{MaxRequestBody: 16})
	const vaultKey = "cv_live_0123456789abcdef"
	tests := []struct {
		name string
		req  forward.Request
	}{
		{"body over the cap", forward.Request{URL: up.URL, Body: []byte(strings.Repeat("x", 17))}},
		{"CONNECT", forward.Request{Method: "CONNECT", URL: up.URL}},
		{"TRACE", forward.Request{Method: "TRACE", URL: up.URL}},
		{"method with space", forward.Request{Method: "PO ST", URL: up.URL}},
		{"header with CRLF", forward.Request{URL: up.URL, Own: http.Header{"X-A": {"1\r\nX-Injected: 1"}}}},
		{"header name with colon", forward.Request{URL: up.URL, Header: http.Header{"X:A": {"1"}}}},
		{"vault key in a provider header", forward.Request{URL: up.URL, Own: http.Header{"Authorization": {"Bearer " + vaultKey}}, Secrets: []string{vaultKey}}},
		{"vault key in a passed header", forward.Request{URL: up.URL, Header: http.Header{"X-Custom": {vaultKey}}, Secrets: []string{vaultKey}}},
		{"vault key in the URL", forward.Request{URL: up.URL + "/?key=" + vaultKey, Secrets: []string{vaultKey}}},
		{"other port", forward.Request{URL: "http://127.0.0.1:1/"}},
		{"https to an http rule", forward.Request{URL: "https://" + up.hostPort()}},
		{"user info", forward.Request{URL: "http://u:p@" + up.hostPort()}},
		{"relative URL", forward.Request{URL: "/relative"}},
		{"empty URL", forward.Request{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Do(t.Context(), tt.req)
			var re *forward.RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want *RefusedError", err)
			}
			if strings.Contains(re.Error(), vaultKey) {
				t.Errorf("refusal %q repeats the secret", re.Error())
			}
		})
	}
	if n := up.hits.Load(); n != 0 {
		t.Fatalf("upstream received %d requests", n)
	}
	// Short secrets are ignored rather than refusing every header with "1" in it.
	if _, err := r.Do(t.Context(), forward.Request{URL: up.URL, Header: http.Header{"X-N": {"1"}}, Secrets: []string{"1", ""}}); err != nil {
		t.Fatalf("short secret: %v", err)
	}
}

func TestResponseBodyCap(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			if chunked { // no Content-Length: the cap applies while reading
				io.WriteString(w, strings.Repeat("a", 500))
				w.(http.Flusher).Flush()
			}
			io.WriteString(w, strings.Repeat("a", 1000-500*btoi(chunked)))
		})
		_, err := newRelay(t, "http://"+up.hostPort(), forward.Options{MaxResponseBody: 999}).Do(t.Context(), forward.Request{URL: up.URL})
		var ue *forward.UpstreamError
		if !errors.As(err, &ue) || ue.Kind != forward.UpstreamTooLarge {
			t.Fatalf("chunked=%v: err = %v, want UpstreamTooLarge", chunked, err)
		}
		resp, err := newRelay(t, "http://"+up.hostPort(), forward.Options{MaxResponseBody: 1000}).Do(t.Context(), forward.Request{URL: up.URL})
		if err != nil || len(resp.Body) != 1000 {
			t.Fatalf("chunked=%v: body at the cap: %v", chunked, err)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRequestBodyAtTheCapIsSent(t *testing.T) {
	up := newUpstream(t, nil)
	r := newRelay(t, "http://"+up.hostPort(), forward.Options{MaxRequestBody: 16})
	if _, err := r.Do(t.Context(), forward.Request{URL: up.URL, Body: []byte(strings.Repeat("x", 16))}); err != nil {
		t.Fatal(err)
	}
	if got := up.last.Load(); len(got.Body) != 16 || got.Header.Get("Content-Length") != "" && got.Header.Get("Content-Length") != "16" {
		t.Errorf("upstream got %d bytes", len(got.Body))
	}
}

func TestTimeoutIsCapped(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	r := newRelay(t, "http://"+up.hostPort(), forward.Options{MaxTimeout: 30 * time.Millisecond})
	_, err := r.Do(t.Context(), forward.Request{URL: up.URL, Timeout: time.Hour})
	var ue *forward.UpstreamError
	if !errors.As(err, &ue) || ue.Kind != forward.UpstreamTimeout {
		t.Fatalf("err = %v, want UpstreamTimeout", err)
	}
	ob, err := r.Prepare(t.Context(), forward.Request{URL: up.URL, Timeout: time.Hour})
	if err != nil || ob.Timeout != 30*time.Millisecond {
		t.Fatalf("Prepare timeout = %v, %v", ob, err)
	}
}

// TestSlowBodyTimesOut: the timeout covers reading the body, not only the
// headers.
func TestSlowBodyTimesOut(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	_, err := newRelay(t, "http://"+up.hostPort(), forward.Options{DefaultTimeout: 50 * time.Millisecond}).Do(t.Context(), forward.Request{URL: up.URL})
	var ue *forward.UpstreamError
	if !errors.As(err, &ue) || ue.Kind != forward.UpstreamTimeout {
		t.Fatalf("err = %v, want UpstreamTimeout", err)
	}
}

func TestBrokenUpstreamIsProtocolError(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		c, _, _ := w.(http.Hijacker).Hijack()
		io.WriteString(c, "NOT HTTP\r\n\r\n")
		c.Close()
	})
	_, err := newRelay(t, "http://"+up.hostPort(), forward.Options{}).Do(t.Context(), forward.Request{URL: up.URL})
	var ue *forward.UpstreamError
	if !errors.As(err, &ue) || ue.Kind != forward.UpstreamProtocol {
		t.Fatalf("err = %v, want UpstreamProtocol", err)
	}
}

func TestPrepareShowsWhatWouldBeSent(t *testing.T) {
	up := newUpstream(t, nil)
	r := newRelay(t, "http://"+up.hostPort(), forward.Options{})
	ob, err := r.Prepare(t.Context(), forward.Request{
		URL:    up.URL + "/pay",
		Header: http.Header{"Content-Type": {"application/json"}, "X-Api-Key": {"vault"}, "Connection": {"close"}},
		Own:    http.Header{"x-api-key": {"provider"}},
		Body:   []byte(`{"n":"411111******1111"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if ob.Method != "POST" || ob.URL != up.URL+"/pay" || ob.Timeout != forward.DefaultTimeout {
		t.Errorf("outbound %s %s %v", ob.Method, ob.URL, ob.Timeout)
	}
	if ob.Header.Get("X-Api-Key") != "provider" || ob.Header.Get("Connection") != "" || ob.Header.Get("Content-Type") != "application/json" {
		t.Errorf("outbound header %v", ob.Header)
	}
	if up.hits.Load() != 0 {
		t.Error("Prepare sent the request")
	}
}

func TestBodyAndEncodingRelayedAsIs(t *testing.T) {
	gz := []byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0} // empty gzip stream
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz)
	})
	resp, err := newRelay(t, "http://"+up.hostPort(), forward.Options{}).Do(t.Context(), forward.Request{
		URL: up.URL, Header: http.Header{"Accept-Encoding": {"gzip"}}})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != string(gz) || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("body %x encoding %q: not relayed as sent", resp.Body, resp.Header.Get("Content-Encoding"))
	}
	if got := up.last.Load().Header.Get("Accept-Encoding"); got != "gzip" {
		t.Errorf("upstream Accept-Encoding %q", got)
	}
	// Without the caller asking, the relay does not ask for compression.
	if _, err := newRelay(t, "http://"+up.hostPort(), forward.Options{}).Do(t.Context(), forward.Request{URL: up.URL}); err != nil {
		t.Fatal(err)
	}
	if got := up.last.Load().Header.Get("Accept-Encoding"); got != "" {
		t.Errorf("relay added Accept-Encoding %q", got)
	}
}

func TestIPv6Loopback(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "v6") }))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	hp := strings.TrimPrefix(srv.URL, "http://")
	_, err = newRelay(t, "", forward.Options{}).Do(t.Context(), forward.Request{URL: srv.URL})
	if err == nil {
		t.Fatal("IPv6 loopback without a rule was allowed")
	}
	resp, err := newRelay(t, "http://"+hp, forward.Options{}).Do(t.Context(), forward.Request{URL: srv.URL})
	if err != nil || string(resp.Body) != "v6" {
		t.Fatalf("IPv6 loopback with a rule: %v", err)
	}
}
