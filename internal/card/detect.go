package card

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The PAN detector: the one answer to "does this text hold a card number?",
// for every string the vault logs, audits or stores in clear.
//
// Definitions, which the tests and fuzz target check:
//
//   - A digit is an ASCII digit, any Unicode decimal digit (category Nd, such
//     as the full-width '４'), or an escaped ASCII digit: "%34" (URL), "\u0034"
//     (JSON), "&#52;" or "&#x34;" (XML/HTML).
//   - A letter (any Unicode letter) ends a run. Everything else is a
//     separator, however many there are: spaces, dashes, dots, slashes,
//     underscores, commas, quotes, control characters, and every escape that
//     does not decode to a digit ("%20", "\u0020", "&#32;").
//   - A run is a maximal stretch of digits joined only by separators; a
//     group is a stretch of digits with nothing between them.
//   - A run holds a PAN when some whole groups of it, one after another, hold
//     13 to 19 digits in all that pass the Luhn check. So "4111.1111.1111.1111",
//     "5105105105105100.invalid", "4111%201111%201111%201111" and
//     "4111111111111111|12|31|737" all hold one; "15105105105105100" (a digit
//     glued to the front) does not, since that is no card number.
//
// Masking replaces the whole run, from its first digit to its last, with
// PANMask. Nothing of the number survives, not even the BIN or last four:
// logs and audit details need to say that a card number was there, not
// which. Runs that hold no PAN are left alone.

// PANMask is what MaskPANs writes in place of a run of digits that holds a
// card number. It holds letters, so it always ends the runs around it.
const PANMask = "[redacted]"

// Span is the byte range [Start, End) of a run of digits in a string.
type Span struct {
	Start, End int
}

const (
	minDetectLen = 13
	maxDetectLen = 19
)

// ContainsPAN reports whether s holds a card number in any form the
// detector knows (see FindPANs).
func ContainsPAN(s string) bool {
	found := false
	scanRuns(s, func(_ Span, holdsPAN bool) bool {
		found = holdsPAN
		return !found
	})
	return found
}

// FindPANs returns, in order, the byte spans of the runs of digits in s that
// hold a card number: 13 to 19 digits passing the Luhn check, made of whole
// groups of digits joined by any separators (spaces, dashes, dots, slashes,
// underscores, commas, URL, JSON and XML escapes, …), anywhere in s (inside
// a host name, a path, a JSON document). A span runs from the run's first
// digit to its last.
func FindPANs(s string) []Span {
	var spans []Span
	scanRuns(s, func(sp Span, holdsPAN bool) bool {
		if holdsPAN {
			spans = append(spans, sp)
		}
		return true
	})
	return spans
}

// MaskPANs returns s with every span FindPANs reports replaced by PANMask.
// It returns s itself when there is none. Its result never holds a card
// number, and MaskPANs(MaskPANs(s)) == MaskPANs(s).
func MaskPANs(s string) string {
	spans := FindPANs(s)
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.Start])
		b.WriteString(PANMask)
		last = sp.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// run is one maximal run of digits: its digit values, where each group
// starts in digits, and its byte span.
type run struct {
	digits     []byte
	groupStart []int
	start, end int
}

// holdsPAN reports whether consecutive whole groups of r hold 13 to 19
// digits that pass the Luhn check.
func (r run) holdsPAN() bool {
	if len(r.digits) < minDetectLen {
		return false
	}
	// Group k spans r.digits[r.bound(k):r.bound(k+1)].
	for i := 0; i < len(r.groupStart); i++ {
		for j := i + 1; j <= len(r.groupStart); j++ {
			from, to := r.groupStart[i], r.bound(j)
			n := to - from
			if n > maxDetectLen {
				break
			}
			if n >= minDetectLen && luhnValid(string(r.digits[from:to])) {
				return true
			}
		}
	}
	return false
}

// unit kinds: what one step of the scanner read.
const (
	unitSep = iota
	unitDigit
	unitLetter
)

// bound is where group k of r starts in r.digits; for k past the last
// group, the end of r.digits.
func (r run) bound(k int) int {
	if k < len(r.groupStart) {
		return r.groupStart[k]
	}
	return len(r.digits)
}

// scanRuns calls yield with the span of each run of digits in s, in order,
// and whether the run holds a PAN, until yield returns false. A run's
// digits are collected in buffers on the stack, reused from run to run
// (every log line and audit detail passes here, most with a few short runs:
// ids, addresses, times), so a scan allocates only for a run longer than
// they are.
func scanRuns(s string, yield func(span Span, holdsPAN bool) bool) {
	var digitBuf [64]byte
	var groupBuf [16]int
	cur := run{digits: digitBuf[:0], groupStart: groupBuf[:0]}
	inRun := false // a digit has been seen since the last letter
	adjacent := false
	flush := func() bool {
		ok := true
		if inRun {
			ok = yield(Span{cur.start, cur.end}, cur.holdsPAN())
		}
		cur = run{digits: cur.digits[:0], groupStart: cur.groupStart[:0]}
		inRun, adjacent = false, false
		return ok
	}
	for i := 0; i < len(s); {
		kind, d, w := nextUnit(s, i)
		switch kind {
		case unitDigit:
			if !inRun {
				cur.start = i
				inRun = true
			}
			if !adjacent {
				cur.groupStart = append(cur.groupStart, len(cur.digits))
			}
			cur.digits = append(cur.digits, '0'+d)
			cur.end = i + w
			adjacent = true
		case unitLetter:
			if !flush() {
				return
			}
		default:
			adjacent = false
		}
		i += w
	}
	flush()
}

// nextUnit reads the unit at s[i:]: its kind, its digit value, and its
// width in bytes (at least 1).
func nextUnit(s string, i int) (kind int, digit byte, width int) {
	c := s[i]
	switch {
	case '0' <= c && c <= '9':
		return unitDigit, c - '0', 1
	case c == '%':
		if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			return escaped(hexVal(s[i+1])<<4|hexVal(s[i+2]), 3)
		}
		return unitSep, 0, 1
	case c == '\\':
		if i+5 < len(s) && s[i+1] == 'u' && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]) {
			v := rune(hexVal(s[i+2]))<<12 | rune(hexVal(s[i+3]))<<8 | rune(hexVal(s[i+4]))<<4 | rune(hexVal(s[i+5]))
			return escapedRune(v, 6)
		}
		return unitSep, 0, 1
	case c == '&':
		if v, w, ok := charRef(s[i:]); ok {
			return escapedRune(v, w)
		}
		return unitSep, 0, 1
	case c < utf8.RuneSelf:
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			return unitLetter, 0, 1
		}
		return unitSep, 0, 1
	}
	r, w := utf8.DecodeRuneInString(s[i:])
	switch {
	case unicode.IsDigit(r):
		return unitDigit, digitValue(r), w
	case unicode.IsLetter(r):
		return unitLetter, 0, w
	}
	return unitSep, 0, w
}

// escaped classifies an escaped byte: an ASCII digit is a digit, anything
// else (a letter included) a separator, so an escape never ends a run.
func escaped(b byte, w int) (int, byte, int) {
	if '0' <= b && b <= '9' {
		return unitDigit, b - '0', w
	}
	return unitSep, 0, w
}

func escapedRune(r rune, w int) (int, byte, int) {
	if r < utf8.RuneSelf {
		return escaped(byte(r), w)
	}
	return unitSep, 0, w
}

// charRef parses an XML/HTML numeric character reference at the start of s
// ("&#52;" or "&#x34;", at most 8 digits) and returns its code point and
// width.
func charRef(s string) (rune, int, bool) {
	if len(s) < 4 || s[1] != '#' {
		return 0, 0, false
	}
	j, base := 2, rune(10)
	if s[2] == 'x' || s[2] == 'X' {
		j, base = 3, 16
	}
	var v rune
	k := j
	for ; k < len(s) && k-j < 8 && (isHex(s[k]) && base == 16 || '0' <= s[k] && s[k] <= '9'); k++ {
		v = v*base + rune(hexVal(s[k]))
	}
	if k == j || k >= len(s) || s[k] != ';' {
		return 0, 0, false
	}
	return v, k + 1, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// digitValue returns the value of a Unicode decimal digit. Unicode encodes
// each script's digits 0 to 9 as consecutive code points, and every range of
// the Nd table starts at a zero, so the value is the offset from the start
// of r's range, modulo 10.
func digitValue(r rune) byte {
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10)
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10)
		}
	}
	return 0
}
