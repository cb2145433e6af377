package api_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/audit"
)

// gatedRecorder records nothing until its gate opens, and remembers what
// it was asked and whether the context it got was still live.
type gatedRecorder struct {
	gate chan struct{}
	err  error
	mu   sync.Mutex
	got  []string
	live []bool
}

func (g *gatedRecorder) Record(ctx context.Context, ev audit.Event) error {
	<-g.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	g.got = append(g.got, ev.Action)
	g.live = append(g.live, ctx.Err() == nil)
	return g.err
}

func (g *gatedRecorder) recorded() ([]string, []bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.got...), append([]bool(nil), g.live...)
}

func TestOutcomesRecordInTheBackground(t *testing.T) {
	rec := &gatedRecorder{gate: make(chan struct{})}
	o := api.NewOutcomes(rec, slog.New(slog.DiscardHandler), 4)
	ctx, cancel := context.WithCancel(context.Background())
	if err := o.Record(ctx, audit.Event{Action: "forward.result"}); err != nil { // returns while the store is still busy
		t.Fatal(err)
	}
	cancel() // the request is over

	short, stop := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer stop()
	if err := o.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait returned %v while a record was in flight", err)
	}
	close(rec.gate)
	if err := o.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, live := rec.recorded()
	if len(got) != 1 || got[0] != "forward.result" || !live[0] {
		t.Fatalf("recorded %v (context live %v): want the event, recorded with a context the request's end did not cancel", got, live)
	}
}

// Beyond max records in flight, the caller records itself: memory stays
// bounded when the store is slow.
func TestOutcomesBeyondTheBoundRecordInTheCaller(t *testing.T) {
	rec := &gatedRecorder{gate: make(chan struct{}), err: errors.New("store down")}
	o := api.NewOutcomes(rec, slog.New(slog.DiscardHandler), 1)
	if err := o.Record(context.Background(), audit.Event{Action: "first"}); err != nil {
		t.Fatal(err)
	}
	returned := make(chan error, 1)
	go func() { returned <- o.Record(context.Background(), audit.Event{Action: "second"}) }()
	select {
	case err := <-returned:
		t.Fatalf("the second record returned (%v) before the store answered", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(rec.gate)
	if err := <-returned; err == nil || err.Error() != "store down" {
		t.Fatalf("a record in the caller returned %v, want the store's error", err)
	}
	if err := o.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A failed background record is logged, with digits redacted.
func TestOutcomesLogFailures(t *testing.T) {
	rec := &gatedRecorder{gate: make(chan struct{}), err: errors.New("insert 4111111111111111 failed")}
	close(rec.gate)
	var log bytes.Buffer
	o := api.NewOutcomes(rec, slog.New(slog.NewJSONHandler(&log, nil)), 4)
	if err := o.Record(context.Background(), audit.Event{Action: "forward.result", RequestID: "req_1"}); err != nil {
		t.Fatal(err)
	}
	if err := o.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := log.String(); !strings.Contains(s, "audit of an outcome failed") || !strings.Contains(s, "req_1") || strings.Contains(s, "4111111111111111") {
		t.Fatalf("log: %s", s)
	}
}
