package web

import (
	"strconv"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
)

// schemeOf reads the table the way the form's script does.
func schemeOf(digits string) string {
	for _, r := range schemeRanges {
		if len(digits) < r.Len {
			continue
		}
		p, _ := strconv.Atoi(digits[:r.Len])
		if p >= r.Lo && p <= r.Hi {
			return r.Scheme
		}
	}
	return string(card.Unknown)
}

// TestSchemeTableMatchesCard checks every six-digit prefix (and every
// shorter one) against card.SchemeOf, so the form names the same scheme as
// the vault.
func TestSchemeTableMatchesCard(t *testing.T) {
	for n := 1; n <= 6; n++ {
		limit := 1
		for range n {
			limit *= 10
		}
		for p := range limit {
			d := strconv.Itoa(p)
			for len(d) < n {
				d = "0" + d
			}
			if got, want := schemeOf(d), string(card.SchemeOf(d)); got != want {
				t.Fatalf("prefix %s: form says %q, card says %q", d, got, want)
			}
		}
	}
	for _, r := range schemeRanges {
		info, ok := schemeInfos[r.Scheme]
		if !ok || info.Label == "" {
			t.Errorf("scheme %q has no label", r.Scheme)
		}
		if want := card.Scheme(r.Scheme).SecurityCodeLen(); info.CVC != want {
			t.Errorf("scheme %q: form expects a %d-digit code, card says %d", r.Scheme, info.CVC, want)
		}
		for _, l := range info.Lengths {
			if l < 12 || l > 19 {
				t.Errorf("scheme %q: length %d outside 12..19", r.Scheme, l)
			}
		}
		if g := sum(info.Groups); len(info.Groups) > 0 && (g < 12 || g > 19) {
			t.Errorf("scheme %q: groups %v do not add up to a valid length", r.Scheme, info.Groups)
		}
	}
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}
