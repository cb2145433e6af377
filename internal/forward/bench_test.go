package forward_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/forward"
)

const benchBody = `{"amount":1299,"currency":"EUR","reference":"order-8812","payment_method":{"type":"card",` +
	`"number":"{{ CARD_NUMBER_1 }}","expiry_month":{{ CARD_EXPIRATION_DATE_MM_1 }},"expiry_year":"{{ CARD_EXPIRATION_DATE_YYYY_1 }}",` +
	`"holder":"{{ CARD_HOLDER_NAME_1 }}","cvc":"{{ CARD_SECURITY_CODE_1 }}"},"billing":{"line1":"1 Main Street","city":"Dublin",` +
	`"country":"IE","email":"a@example.com"},"metadata":{"k1":"v1","k2":"v2","k3":"v3"}}`

func BenchmarkRender(b *testing.B) {
	tpl := mustParse(b, benchBody)
	lookup := forward.Values(forward.Gr4vy, cards(b))
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render("application/json", lookup); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	src := []byte(benchBody)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := forward.Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRelayOverhead measures, in one run and against the same
// loopback upstream, requests/s sent directly with a plain keep-alive
// http.Client and requests/s through Parse-once + Render + Relay.Do. The
// two paths alternate in blocks so both see the same machine noise. It
// reports direct-req/s, relay-req/s and relay/direct (the ratio the bench
// table quotes).
func BenchmarkRelayOverhead(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"pay_123","status":"authorised"}`)
	}))
	defer up.Close()
	allow, err := forward.ParseAllowlist("http://" + strings.TrimPrefix(up.URL, "http://"))
	if err != nil {
		b.Fatal(err)
	}
	relay := forward.NewRelay(allow, forward.Options{})
	defer relay.Close()
	direct := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32, DisableCompression: true}}
	defer direct.CloseIdleConnections()

	tpl := mustParse(b, benchBody)
	lookup := forward.Values(forward.Gr4vy, cards(b))
	rendered, err := tpl.Render("application/json", lookup)
	if err != nil {
		b.Fatal(err)
	}
	hdr := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer provider"}}

	sendDirect := func() {
		req, _ := http.NewRequest(http.MethodPost, up.URL+"/payments", bytes.NewReader(rendered))
		req.Header = hdr.Clone()
		resp, err := direct.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	sendRelay := func() {
		body, err := tpl.Render("application/json", lookup)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := relay.Do(b.Context(), forward.Request{URL: up.URL + "/payments", Own: hdr, Body: body}); err != nil {
			b.Fatal(err)
		}
	}
	sendDirect() // warm both connection pools
	sendRelay()

	const block = 50
	var tDirect, tRelay time.Duration
	n := 0
	b.ResetTimer()
	for n < b.N {
		k := min(block, b.N-n)
		start := time.Now()
		for range k {
			sendDirect()
		}
		tDirect += time.Since(start)
		start = time.Now()
		for range k {
			sendRelay()
		}
		tRelay += time.Since(start)
		n += k
	}
	directRate := float64(n) / tDirect.Seconds()
	relayRate := float64(n) / tRelay.Seconds()
	b.ReportMetric(directRate, "direct-req/s")
	b.ReportMetric(relayRate, "relay-req/s")
	b.ReportMetric(relayRate/directRate, "relay/direct")
}

// benchUpstream is a loopback provider for the relay benchmarks; closed
// counts the connections that ended (the relay closed them, as the
// provider never does).
func benchUpstream(b *testing.B) (url string, closed *atomic.Int64) {
	closed = new(atomic.Int64)
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"pay_bench","status":"authorized","amount":1299}`)
	}))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed.Add(1)
		}
	}
	up.Start()
	b.Cleanup(up.Close)
	return up.URL + "/payments", closed
}

// benchRelay returns a relay allowed to reach a loopback provider (closed
// when the benchmark ends), a request of benchBody to it, and the count of
// provider connections closed.
func benchRelay(b *testing.B) (*forward.Relay, forward.Request, *atomic.Int64) {
	url, closed := benchUpstream(b)
	allow, err := forward.ParseAllowlist("http://" + strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/payments"))
	if err != nil {
		b.Fatal(err)
	}
	relay := forward.NewRelay(allow, forward.Options{})
	b.Cleanup(relay.Close)
	req := forward.Request{URL: url, Own: http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {"bench"}},
		Body: []byte(benchBody)}
	return relay, req, closed
}

// BenchmarkRelayDo measures one Relay.Do of a rendered body to a loopback
// provider over a kept-alive connection: the relay's own cost and
// allocations.
func BenchmarkRelayDo(b *testing.B) {
	relay, req, _ := benchRelay(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := relay.Do(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRelayDoParallel runs Relay.Do from 64 goroutines at once, as a
// vault under 64 connections does, and reports the provider connections
// the relay closed per forward (closed/op): 0 when its pool keeps every
// connection the load needs, more when it closes connections it cannot keep
// idle (and must dial again for the next burst: connection churn).
func BenchmarkRelayDoParallel(b *testing.B) {
	relay, req, closed := benchRelay(b)
	b.SetParallelism(64 / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	start := closed.Load()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := relay.Do(context.Background(), req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(closed.Load()-start)/float64(b.N), "closed/op")
}
