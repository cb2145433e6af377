package rotate

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/store/sqlite"
)

// The watcher turns the lock's progress into resealed counts and pending
// gauges, across batches, an interruption and the finish.
func TestWatcherReportsProgress(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	type seen struct{ resealed, pending int }
	var got []seen
	var w watcher
	look := func() { w.look(ctx, store, func(kind string, r, p int) { got = append(got, seen{r, p}) }) }
	look() // no rotation ever ran: nothing reported
	if len(got) != 0 {
		t.Fatalf("reported %v before any rotation", got)
	}
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	l, err := acquire(ctx, store, "data", "a", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	look()
	for _, done := range []int{40, 100} {
		if err := l.progress(ctx, done, 100); err != nil {
			t.Fatal(err)
		}
		look()
	}
	l.finish()
	if err := l.release(ctx); err != nil {
		t.Fatal(err)
	}
	look()
	want := []seen{{0, 0}, {40, 60}, {60, 0}, {0, 0}}
	if len(got) != len(want) {
		t.Fatalf("reports %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("reports %v, want %v", got, want)
		}
	}
}
