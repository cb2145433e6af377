package main

import (
	"math"
	"runtime/debug"
	"strconv"
)

// serveGCPercent is the collector's GOGC for serve when the environment
// sets none. A request allocates tens of kilobytes that die with it, over a
// live heap of a few megabytes, so at the runtime's default (100) the
// collector ran every few hundred requests and took 5–10 % of the CPU of a
// tokenize or a reveal; at 400 it runs a fifth as often, for about 10 MB more
// resident memory under load (bench/README.md, "Round five").
const serveGCPercent = 400

// serveHeapHeadroom is, besides the Argon2id runs, the memory the soft limit
// leaves the Go runtime before the collector works harder than GOGC asks.
const serveHeapHeadroom = 64 << 20

// kdfRunBytes is the memory of one Argon2id run (seal.DefaultKDFParams).
const kdfRunBytes = 64 << 20

// gcSettings are the collector settings serve runs with.
type gcSettings struct {
	// Percent is GOGC; -1 when the environment's GOGC was left to the runtime.
	Percent int
	// Limit is GOMEMLIMIT in bytes; -1 when the environment's was left to the runtime.
	Limit int64
}

// tuneGC raises GOGC to serveGCPercent and sets a soft memory limit of
// serveHeapHeadroom plus kdfRuns Argon2id runs, each unless the operator
// set it with the runtime's own GOGC or GOMEMLIMIT (which then apply as the
// runtime read them). The limit bounds what the higher GOGC may cost: the
// heap grows to five times its live memory only while that stays far below
// the limit, and every permitted Argon2id run fits under it at once, so they
// never drive the collector into running back to back.
func tuneGC(getenv func(string) string, kdfRuns int) gcSettings {
	s := gcSettings{Percent: -1, Limit: -1}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
		s.Percent = serveGCPercent
	}
	if getenv("GOMEMLIMIT") == "" {
		s.Limit = serveMemoryLimit(kdfRuns)
		debug.SetMemoryLimit(s.Limit)
	}
	return s
}

// serveMemoryLimit is the default soft memory limit for kdfRuns concurrent
// Argon2id runs.
func serveMemoryLimit(kdfRuns int) int64 {
	if kdfRuns < 0 || kdfRuns > (math.MaxInt64-serveHeapHeadroom)/kdfRunBytes {
		kdfRuns = 0
	}
	return serveHeapHeadroom + int64(kdfRuns)*kdfRunBytes
}

// gcSetting renders a setting of tuneGC for the log: the value it set, or
// that the environment variable name was left to the runtime.
func gcSetting[T int | int64](v T, name string) string {
	if v < 0 {
		return "from " + name
	}
	return strconv.FormatInt(int64(v), 10)
}
