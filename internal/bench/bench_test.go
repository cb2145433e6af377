package bench

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRunCountsRequestsErrorsAndPercentiles(t *testing.T) {
	var progress bytes.Buffer
	r := Run(context.Background(), "demo", 4, 300*time.Millisecond, func(ctx context.Context, w, i int) error {
		time.Sleep(time.Millisecond)
		if i%10 == 9 {
			return errors.New("every tenth fails")
		}
		return nil
	}, &progress)
	if r.Requests < 40 || r.Errors == 0 || r.Errors > r.Requests/5 {
		t.Fatalf("requests %d errors %d", r.Requests, r.Errors)
	}
	if r.P50 < time.Millisecond || r.P99 < r.P50 || r.P999 < r.P99 {
		t.Fatalf("percentiles p50 %v p99 %v p99.9 %v", r.P50, r.P99, r.P999)
	}
	if r.FirstError == nil || r.RPS() <= 0 || !strings.Contains(progress.String(), "done") {
		t.Fatalf("result %+v progress %q", r, progress.String())
	}
}

func TestPercentile(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 1000; i++ {
		s = append(s, time.Duration(i))
	}
	if p := percentile(s, 0.5); p != 500 {
		t.Errorf("p50 %v", p)
	}
	if p := percentile(s, 0.999); p != 999 {
		t.Errorf("p99.9 %v", p)
	}
	if p := percentile(nil, 0.5); p != 0 {
		t.Errorf("empty %v", p)
	}
}

func TestReportsRenderEveryScenario(t *testing.T) {
	results := []Result{
		{Name: "forward", Requests: 400, Elapsed: time.Second, P50: 2 * time.Millisecond, P99: 9 * time.Millisecond, P999: 12 * time.Millisecond, RSS: 50 << 20},
		{Name: "relay", Requests: 1000, Elapsed: time.Second, P50: time.Millisecond, P99: 3 * time.Millisecond, P999: 4 * time.Millisecond},
		{Name: "a<b", Requests: 12345, Elapsed: time.Second},
	}
	var svg bytes.Buffer
	if err := WriteSVG(&svg, "cardvault & co", results); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(&svg)
	var texts []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			texts = append(texts, string(cd))
		}
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"forward", "relay", "a<b", "12,345", "9.00 ms", "cardvault & co"} {
		if !strings.Contains(all, want) {
			t.Errorf("SVG text lacks %q: %s", want, all)
		}
	}

	var md bytes.Buffer
	WriteMarkdown(&md, results)
	if !strings.Contains(md.String(), "| forward | 400 | 2.00 ms | 9.00 ms | 12.00 ms | 0 | 50 MB |") {
		t.Errorf("markdown:\n%s", md.String())
	}

	var ratios bytes.Buffer
	WriteRatios(&ratios, map[string]Result{"forward": results[0], "relay": results[1]})
	if !strings.Contains(ratios.String(), "forward / relay") || !strings.Contains(ratios.String(), "0.40 of the requests/s") {
		t.Errorf("ratios:\n%s", ratios.String())
	}
}

// The bare relay passes the body to the provider and the answer back.
func TestRelayPassesTheCallThrough(t *testing.T) {
	var got string
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = r.Header.Get("Idempotency-Key") + " " + string(b)
		Upstream().ServeHTTP(w, r)
	}))
	defer provider.Close()
	relay := httptest.NewServer(Relay(provider.Client(), provider.URL+"/payments"))
	defer relay.Close()
	if err := ThroughRelay(relay.Client(), relay.URL)(context.Background(), 0, 0); err != nil {
		t.Fatal(err)
	}
	if got != "bench "+directBody {
		t.Fatalf("provider got %q", got)
	}
}
