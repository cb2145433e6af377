// Package bench drives load against a running cardvault over HTTP and
// reports requests per second and latency percentiles.
package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Op performs one request; worker is the caller's index, i counts its calls.
type Op func(ctx context.Context, worker, i int) error

// Result summarises one scenario run.
type Result struct {
	Name     string
	Requests int
	Errors   int
	Elapsed  time.Duration
	P50      time.Duration
	P99      time.Duration
	P999     time.Duration
	// FirstError is the first failure seen, for the report.
	FirstError error
	// RSS is the vault's resident memory in bytes right after the run, when
	// the caller measured it (0 otherwise).
	RSS int64
}

// RPS is the successful requests per second.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// String renders the result as one table row.
func (r Result) String() string {
	return fmt.Sprintf("%-16s %8d req %6d err %10.0f req/s   p50 %8s   p99 %8s   p99.9 %8s",
		r.Name, r.Requests, r.Errors, r.RPS(), round(r.P50), round(r.P99), round(r.P999))
}

// round keeps latencies readable.
func round(d time.Duration) time.Duration {
	switch {
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d > time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d
}

// Run calls op from workers goroutines for duration (or until ctx ends),
// drawing a progress bar on progress (nil for none).
func Run(ctx context.Context, name string, workers int, duration time.Duration, op Op, progress io.Writer) Result {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      atomic.Int64
		firstErr  error
		done      atomic.Int64
		wg        sync.WaitGroup
	)
	start := time.Now()
	stopBar := drawProgress(ctx, name, start, duration, &done, progress)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				err := op(ctx, w, i)
				if ctx.Err() != nil && err != nil {
					break // cut off by the deadline: not a result
				}
				local = append(local, time.Since(t0))
				done.Add(1)
				if err != nil {
					if errs.Add(1) == 1 {
						mu.Lock()
						firstErr = err
						mu.Unlock()
					}
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopBar()
	slices.Sort(latencies)
	return Result{Name: name, Requests: len(latencies), Errors: int(errs.Load()), Elapsed: elapsed,
		P50: percentile(latencies, 0.50), P99: percentile(latencies, 0.99), P999: percentile(latencies, 0.999),
		FirstError: firstErr}
}

// percentile reads a percentile from sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

// drawProgress redraws a one-line progress bar until the returned stop is called.
func drawProgress(ctx context.Context, name string, start time.Time, total time.Duration, done *atomic.Int64, w io.Writer) func() {
	if w == nil {
		return func() {}
	}
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				fmt.Fprintf(w, "\r%-16s [%s] done%20s\n", name, bar(1), "")
				return
			case <-t.C:
				f := float64(time.Since(start)) / float64(total)
				fmt.Fprintf(w, "\r%-16s [%s] %3.0f%% %8d req", name, bar(f), min(f, 1)*100, done.Load())
			}
		}
	}()
	return func() { close(stop); <-finished }
}

// bar renders a 30-cell bar filled to fraction f.
func bar(f float64) string {
	const width = 30
	n := int(min(max(f, 0), 1) * width)
	b := make([]byte, width)
	for i := range b {
		b[i] = '.'
		if i < n {
			b[i] = '#'
		}
	}
	return string(b)
}
