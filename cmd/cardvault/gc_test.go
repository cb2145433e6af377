package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// restoreGC puts the test process's collector settings back after t.
func restoreGC(t *testing.T) {
	percent := debug.SetGCPercent(100)
	debug.SetGCPercent(percent)
	limit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
}

func TestTuneGCDefaults(t *testing.T) {
	restoreGC(t)
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	s := tuneGC(func(string) string { return "" }, 2)
	if s.Percent != serveGCPercent || s.Limit != 64<<20+2*64<<20 {
		t.Fatalf("tuneGC = %+v, want GOGC %d and a limit of 192 MiB", s, serveGCPercent)
	}
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Errorf("GOGC in effect %d, want %d", got, serveGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != s.Limit {
		t.Errorf("memory limit in effect %d, want %d", got, s.Limit)
	}
}

// The operator's GOGC and GOMEMLIMIT win: the runtime read them at start,
// and serve leaves each one alone.
func TestTuneGCLeavesTheEnvironment(t *testing.T) {
	restoreGC(t)
	debug.SetGCPercent(75)
	debug.SetMemoryLimit(1 << 30)
	env := map[string]string{"GOGC": "75", "GOMEMLIMIT": "1GiB"}
	s := tuneGC(func(k string) string { return env[k] }, 1)
	if s.Percent != -1 || s.Limit != -1 {
		t.Fatalf("tuneGC = %+v, want both left to the environment", s)
	}
	if got := debug.SetGCPercent(100); got != 75 {
		t.Errorf("GOGC in effect %d, want the environment's 75", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("memory limit in effect %d, want the environment's 1 GiB", got)
	}

	// Only one of them set: the other gets serve's default.
	debug.SetMemoryLimit(math.MaxInt64)
	env = map[string]string{"GOGC": "off"}
	if s := tuneGC(func(k string) string { return env[k] }, 1); s.Percent != -1 || s.Limit != 128<<20 {
		t.Fatalf("tuneGC with GOGC=off = %+v, want GOGC left and a 128 MiB limit", s)
	}
}

func TestServeMemoryLimitBounds(t *testing.T) {
	for _, tc := range []struct {
		runs int
		want int64
	}{{0, 64 << 20}, {1, 128 << 20}, {4, 320 << 20}, {-1, 64 << 20}, {math.MaxInt, 64 << 20}} {
		if got := serveMemoryLimit(tc.runs); got != tc.want {
			t.Errorf("serveMemoryLimit(%d) = %d, want %d", tc.runs, got, tc.want)
		}
	}
}
