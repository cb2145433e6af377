package card_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/cardvault/cardvault/internal/card"
)

func TestParseHolder(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain name", "Jane Doe", "Jane Doe"},
		{"surrounding whitespace is trimmed", "  Jane Doe \t\n", "Jane Doe"},
		{"inner runs become one space", "Jane \t  Q.\n\nDoe", "Jane Q. Doe"},
		{"unicode spaces count as whitespace", "Jane\u00a0\u2003Doe", "Jane Doe"},
		{"empty is allowed", "", ""},
		{"all whitespace is empty", " \t\r\n ", ""},
		{"non-latin letters", "  Zoë  Ærøskøbing  ", "Zoë Ærøskøbing"},
		{"joiners used in some scripts are kept", "می\u200cخواهم", "می\u200cخواهم"},
		{"exactly the limit", strings.Repeat("é", card.MaxHolderLen), strings.Repeat("é", card.MaxHolderLen)},
		{"long input that collapses within the limit", " " + strings.Repeat("a ", card.MaxHolderLen/2) + strings.Repeat(" ", 50), strings.TrimSpace(strings.Repeat("a ", card.MaxHolderLen/2))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := card.ParseHolder(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("ParseHolder(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseHolderRejects(t *testing.T) {
	tests := []struct{ name, in, reason string }{
		{"one rune over the limit", strings.Repeat("é", card.MaxHolderLen+1), "must be at most 100 characters"},
		{"over the limit with spaces", strings.Repeat("ab ", 34), "must be at most 100 characters"},
		{"NUL", "Jane\x00Doe", "must not contain control characters"},
		{"escape sequence", "Jane \x1b[31mDoe", "must not contain control characters"},
		{"DEL", "Jane\x7f", "must not contain control characters"},
		{"C1 control", "Jane\u0080Doe", "must not contain control characters"},
		{"right-to-left override", "Jane \u202eeoD", "must not contain control characters"},
		{"invalid UTF-8", "Jane \xff", "must be valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := card.ParseHolder(tc.in)
			var ie *card.InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseHolder(%q) = %q, %v; want *InvalidError", tc.in, got, err)
			}
			if ie.Field != "cardholder name" || ie.Reason != tc.reason {
				t.Errorf("got %q / %q, want %q / %q", ie.Field, ie.Reason, "cardholder name", tc.reason)
			}
		})
	}
}

func FuzzParseHolder(f *testing.F) {
	for _, s := range []string{
		"Jane Doe", "  Jane \t Doe  ", "", " ", "Zoë", "Jane\x00", "\u202e", "\xff",
		strings.Repeat("a", card.MaxHolderLen), strings.Repeat("a", card.MaxHolderLen+1),
		"a\u00a0b", "a\u0085b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := card.ParseHolder(s)
		if err != nil {
			var ie *card.InvalidError
			if !errors.As(err, &ie) || ie.Field != "cardholder name" {
				t.Fatalf("error %v is not a cardholder name *InvalidError", err)
			}
			return
		}
		if !utf8.ValidString(h) || utf8.RuneCountInString(h) > card.MaxHolderLen {
			t.Fatalf("ParseHolder(%q) = %q: invalid UTF-8 or too long", s, h)
		}
		if h != strings.TrimSpace(h) || strings.Contains(h, "  ") {
			t.Fatalf("ParseHolder(%q) = %q: untrimmed or uncollapsed", s, h)
		}
		for _, r := range h {
			if unicode.IsControl(r) || r != ' ' && unicode.IsSpace(r) {
				t.Fatalf("ParseHolder(%q) = %q: holds %U", s, h, r)
			}
		}
		if again, err := card.ParseHolder(h); err != nil || again != h {
			t.Fatalf("ParseHolder is not idempotent: %q -> %q -> %q, %v", s, h, again, err)
		}
	})
}
