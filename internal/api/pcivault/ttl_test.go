package pcivault_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/api/pcivault"
)

func TestParseTTL(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
	}{
		{"45m", 45 * time.Minute},
		{"24h", 24 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"1.5h", 90 * time.Minute},
		{"0s", 0},
		{"0", 0},
		{"P0T", 0},
		{"p0t", 0},
		{"PT0S", 0},
		{"P0D", 0},
		{"PT10M", 10 * time.Minute},
		{"pt10m", 10 * time.Minute},
		{"P1D", 24 * time.Hour},
		{"P1W", 7 * 24 * time.Hour},
		{"P1DT2H", 26 * time.Hour},
		{"PT1H30M15S", time.Hour + 30*time.Minute + 15*time.Second},
		{"PT1.5S", 1500 * time.Millisecond},
		{"PT0,5S", 500 * time.Millisecond},
		{"PT1.5M", 90 * time.Second},
		{"3600", time.Hour},
		{" 60 ", time.Minute},
	} {
		got, err := pcivault.ParseTTL(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseTTL(%q) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{
		"", " ", "soon", "-5m", "-1", "1.5", "10 minutes", "P", "PT", "P1", "PT10", "P1Y", "P1M", "P1H", "PT1D",
		"P1D1D", "PT1S1M", "PT1.5M2S", "P1.D", "P.5D", "PT1..5S", "PTT1S", "P1DT", "P1e3D", "Pinf D", "PT-1S",
		"99999999999999999999", "4294967297", "P99999999999D", "1e9h",
	} {
		if got, err := pcivault.ParseTTL(bad); err == nil {
			t.Errorf("ParseTTL(%q) = %s, want an error", bad, got)
		}
	}
}

func FuzzParseTTL(f *testing.F) {
	for _, s := range []string{"45m", "0", "P0T", "PT10M", "P1DT2H3M4.5S", "3600", "P1W", "-1s", "P1Y", "PT,5S", "1h2m3s4ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := pcivault.ParseTTL(s)
		if err != nil {
			return
		}
		if d < 0 || d > (1<<32)*time.Second {
			t.Fatalf("ParseTTL(%q) = %s, outside [0, 2^32 s]", s, d)
		}
		// Plain seconds mean exactly that.
		if n, err := strconv.ParseUint(s, 10, 64); err == nil && time.Duration(n)*time.Second != d {
			t.Fatalf("ParseTTL(%q) = %s, want %d seconds", s, d, n)
		}
	})
}
