package jwtauth

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestMemoryReplayCache(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	r := NewMemoryReplayCache(3, c.Now)
	ctx := t.Context()
	remember := func(id string, ttl time.Duration) (bool, error) { return r.Remember(ctx, "t", id, c.t.Add(ttl)) }

	if fresh, err := remember("a", 30*time.Second); !fresh || err != nil {
		t.Fatalf("first a: %v %v", fresh, err)
	}
	if fresh, _ := remember("a", 30*time.Second); fresh {
		t.Fatal("a seen twice within its lifetime")
	}
	_, _ = remember("b", time.Minute)
	_, _ = remember("c", time.Minute)
	// Full: a fourth live id is refused rather than an old one forgotten.
	if _, err := remember("d", time.Minute); !errors.Is(err, ErrReplayCacheFull) {
		t.Fatalf("over the bound: %v", err)
	}
	if fresh, _ := remember("a", time.Minute); fresh {
		t.Fatal("a forgotten when the cache was full")
	}
	// Once a has expired its slot frees and a may be used again.
	c.t = c.t.Add(31 * time.Second)
	if fresh, err := remember("d", time.Minute); !fresh || err != nil {
		t.Fatalf("d after a expired: %v %v", fresh, err)
	}
	if r.Len() != 3 {
		t.Errorf("len %d", r.Len())
	}
	if fresh, _ := remember("b", time.Minute); fresh {
		t.Fatal("b forgotten before its expiry")
	}
	// An id whose expiry has passed is not kept.
	if fresh, err := r.Remember(ctx, "t", "old", c.t.Add(-time.Second)); !fresh || err != nil || r.Len() != 3 {
		t.Fatalf("expired id: %v %v %d", fresh, err, r.Len())
	}
}

// TestMemoryReplayCacheStaysBounded: many ids over a long time never hold
// more than the bound, and expired ones are dropped.
func TestMemoryReplayCacheStaysBounded(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	r := NewMemoryReplayCache(100, c.Now)
	for i := range 10000 {
		c.t = c.t.Add(time.Second)
		if fresh, err := r.Remember(t.Context(), "t", fmt.Sprint(i), c.t.Add(30*time.Second)); !fresh || err != nil {
			t.Fatalf("id %d: %v %v", i, fresh, err)
		}
		if r.Len() > 31 {
			t.Fatalf("%d ids held with 30 s lifetimes at 1/s", r.Len())
		}
	}
}
