package objectid

import (
	"regexp"
	"strings"
	"testing"
)

// pattern is the regular expression every caller used before Valid.
var pattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"cus_123-ABC", true},
		{strings.Repeat("a", MaxLen), true},
		{"", false},
		{strings.Repeat("a", MaxLen+1), false},
		{"a/b", false},
		{"a b", false},
		{"café", false},
		{"a\n", false},
	} {
		if got := Valid(tc.id); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

// Valid accepts exactly what the regular expression it replaced accepts.
func FuzzValidMatchesPattern(f *testing.F) {
	for _, s := range []string{"", "a", "cus_1", "a/b", "é", strings.Repeat("Z", 65), "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Valid(s), pattern.MatchString(s); got != want {
			t.Fatalf("Valid(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
