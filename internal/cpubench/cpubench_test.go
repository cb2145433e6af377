package cpubench

import "testing"

// Used grows while the process computes.
func TestUsedGrows(t *testing.T) {
	before := Used()
	x := 0
	for i := 0; Used()-before == 0 && i < 1e9; i++ {
		x += i
	}
	if Used() <= before {
		t.Fatalf("CPU time did not grow (%d)", x)
	}
}
