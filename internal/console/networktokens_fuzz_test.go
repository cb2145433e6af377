package console

import (
	"strings"
	"testing"
)

// FuzzValidID feeds the network tokens page's id check anything: what it
// accepts is short and holds only the characters a page link can carry
// without escaping.
func FuzzValidID(f *testing.F) {
	for _, s := range []string{"", "0190c4b6-0000-7000-8000-000000000000", "card_1", "<script>", "a\x00b", strings.Repeat("a", 65), "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !validID(s) {
			return
		}
		if len(s) > maxIDLen || strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
			t.Fatalf("accepted %q", s)
		}
	})
}
