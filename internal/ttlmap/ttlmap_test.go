package ttlmap

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// When full, expired entries make room first and a live one only when
// none has expired.
func TestMakeRoom(t *testing.T) {
	now := time.Unix(1000, 0)
	m := map[string]entry[int]{"old": {expires: now.Add(-time.Second)}, "due": {expires: now}, "live": {expires: now.Add(time.Second)}}
	makeRoom(m, now)
	if _, ok := m["live"]; len(m) != 1 || !ok {
		t.Fatalf("expired entries should go and the live one stay: %v", m)
	}

	m = map[string]entry[int]{"a": {expires: now.Add(time.Second)}, "b": {expires: now.Add(2 * time.Second)}}
	makeRoom(m, now)
	if len(m) != 1 {
		t.Fatalf("with nothing expired exactly one entry should go: %v", m)
	}

	m = map[string]entry[int]{}
	for i := range 10 * evictScan {
		m[strconv.Itoa(i)] = entry[int]{expires: now.Add(time.Second)}
	}
	makeRoom(m, now)
	if len(m) != 10*evictScan-1 {
		t.Fatalf("a full cache of live entries lost %d, want 1", 10*evictScan-len(m))
	}

	makeRoom(map[string]entry[int]{}, now) // an empty map is left alone
}

// A value read before a Forget is never put back; one read after is kept
// until its own expiry, and the cache never holds more than its bound.
func TestCacheGenerationsAndBounds(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New[string, int](2)

	before := c.Generation()
	c.Forget("a")
	c.Put("a", 1, before, now, now.Add(time.Second))
	if _, ok := c.Get("a", now); ok {
		t.Fatal("a value read before a Forget was kept")
	}

	c.Put("a", 1, c.Generation(), now, now.Add(time.Second))
	if v, ok := c.Get("a", now); !ok || v != 1 {
		t.Fatalf("Get = %v, %v; want 1, true", v, ok)
	}
	if _, ok := c.Get("a", now.Add(time.Second)); ok {
		t.Fatal("served at its expiry")
	}

	for i, k := range []string{"x", "y", "z"} {
		c.Put(k, i, c.Generation(), now, now.Add(time.Minute))
	}
	if n := c.Len(); n > 2 {
		t.Fatalf("%d entries kept, bound 2", n)
	}

	c.ForgetIf(func(v int) bool { return true })
	if n := c.Len(); n != 0 {
		t.Fatalf("ForgetIf matching everything left %d entries", n)
	}
}

// A Loader keeps only answers its read says it may keep, and with a ttl of
// zero keeps nothing.
func TestLoaderKeepsOnlyWhatItMay(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Unix(1000, 0) }
	for _, tc := range []struct {
		name      string
		ttl       time.Duration
		keep      bool
		wantReads int
	}{
		{"kept", time.Second, true, 1},
		{"not to be kept", time.Second, false, 3},
		{"zero ttl", 0, true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLoader[string](tc.ttl, 10, now)
			reads := 0
			for range 3 {
				v, err := l.Load(ctx, "k", func(context.Context) (string, bool, error) {
					reads++
					return "v", tc.keep, nil
				})
				if err != nil || v != "v" {
					t.Fatalf("Load = %q, %v", v, err)
				}
			}
			if reads != tc.wantReads {
				t.Fatalf("3 loads made %d reads, want %d", reads, tc.wantReads)
			}
		})
	}
}
