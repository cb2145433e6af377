package card

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxHolderLen is the most runes a cardholder name may have after
// ParseHolder normalises it.
const MaxHolderLen = 100

const holderField = "cardholder name"

// ParseHolder normalises a cardholder name: it trims surrounding whitespace
// and turns every inner run of whitespace (spaces, tabs, newlines) into one
// space. The result is valid UTF-8 of at most MaxHolderLen runes with no
// control or bidirectional formatting characters, and ParseHolder returns it
// unchanged. An empty or all-whitespace name yields "". Otherwise it returns
// an *InvalidError, whose text never contains s.
func ParseHolder(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalid(holderField, "must be valid UTF-8")
	}
	var b strings.Builder
	n := 0
	for word := range strings.FieldsSeq(s) {
		if n > 0 {
			b.WriteByte(' ')
			n++
		}
		for _, r := range word {
			if unicode.IsControl(r) || isBidiControl(r) {
				return "", invalid(holderField, "must not contain control characters")
			}
			n++
		}
		if n > MaxHolderLen {
			return "", invalid(holderField, "must be at most 100 characters")
		}
		b.WriteString(word)
	}
	return b.String(), nil
}

// isBidiControl reports whether r reorders displayed text (U+202A–U+202E,
// U+2066–U+2069, U+200E, U+200F, U+061C), which could make a name render
// as something it is not.
func isBidiControl(r rune) bool {
	switch {
	case 0x202A <= r && r <= 0x202E, 0x2066 <= r && r <= 0x2069:
		return true
	case r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	}
	return false
}
