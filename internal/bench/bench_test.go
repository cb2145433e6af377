package bench

import (
	"bytes"
	"context"
	"errors"
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
