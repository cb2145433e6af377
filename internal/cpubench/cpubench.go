// Package cpubench reports a benchmark's CPU time per operation: the user
// and system time of the whole process (the store's goroutines and the
// garbage collector included), a figure that, unlike ns/op, does not depend
// on how much of a shared machine the benchmark got.
package cpubench

import (
	"syscall"
	"testing"
	"time"
)

// Start begins counting; the function it returns reports the CPU time per
// operation since then as "cpu-µs/op". Call it after b.ResetTimer:
//
//	defer cpubench.Start(b)()
func Start(b *testing.B) func() {
	start := Used()
	return func() {
		b.ReportMetric(float64((Used()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// Used is the user and system CPU time this process has used so far.
func Used() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
