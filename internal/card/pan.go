package card

import (
	"fmt"
	"log/slog"
	"strings"
)

// PAN is a primary account number that passed ParsePAN: 12 to 19 ASCII
// digits with a valid Luhn check digit. The zero PAN holds no number.
//
// A PAN redacts itself everywhere it could be printed or encoded: String,
// GoString, Format (every verb), LogValue, MarshalJSON and MarshalText all
// yield Masked. Only Digits returns the full number.
type PAN struct {
	digits string
}

const panField = "card number"

const (
	minPANLen = 12
	maxPANLen = 19
)

// ParsePAN accepts a card number written with optional spaces and dashes
// between its digits. It returns an *InvalidError, whose text never contains
// s, when s holds any other character, has fewer than 12 or more than 19
// digits, or fails the Luhn check.
func ParsePAN(s string) (PAN, error) {
	var b strings.Builder
	b.Grow(min(len(s), maxPANLen+1))
	for i := range len(s) {
		switch c := s[i]; {
		case c == ' ' || c == '-':
		case '0' <= c && c <= '9':
			if b.Len() > maxPANLen {
				return PAN{}, invalid(panField, "must be 12 to 19 digits")
			}
			b.WriteByte(c)
		default:
			return PAN{}, invalid(panField, "must contain only digits, spaces and dashes")
		}
	}
	d := b.String()
	if len(d) < minPANLen || len(d) > maxPANLen {
		return PAN{}, invalid(panField, "must be 12 to 19 digits")
	}
	if !luhnValid(d) {
		return PAN{}, invalid(panField, "fails the Luhn check")
	}
	return PAN{digits: d}, nil
}

// luhnValid reports whether the ASCII digits in d end in a valid Luhn
// (mod 10) check digit.
func luhnValid(d string) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

// Digits returns the full card number as plain digits.
//
// It is the only way to read the number in the clear. Its result is cardholder
// data in scope for PCI DSS: never log it, put it in an error, a metric label
// or an audit event; pass it only to the code that seals or forwards it.
func (p PAN) Digits() string { return p.digits }

// IsZero reports whether p holds no number.
func (p PAN) IsZero() bool { return p.digits == "" }

// Len returns the number of digits, 12 to 19, or 0 for the zero PAN.
func (p PAN) Len() int { return len(p.digits) }

// BIN returns the first 6 digits (the issuer identification number), or ""
// for the zero PAN. It is safe to display under PCI DSS.
func (p PAN) BIN() string { return p.head(6) }

// BIN8 returns the first 8 digits, or "" for the zero PAN. It is safe to
// display under PCI DSS for PANs of 16 digits or more.
func (p PAN) BIN8() string { return p.head(8) }

// Last4 returns the last 4 digits, or "" for the zero PAN.
func (p PAN) Last4() string {
	if p.IsZero() {
		return ""
	}
	return p.digits[len(p.digits)-4:]
}

func (p PAN) head(n int) string {
	if p.IsZero() {
		return ""
	}
	return p.digits[:n]
}

// Masked returns the first 6 and last 4 digits with every digit between
// them replaced by '*', keeping the length: 4111111111111111 becomes
// 411111******1111. It returns "" for the zero PAN.
func (p PAN) Masked() string {
	if p.IsZero() {
		return ""
	}
	return p.BIN() + strings.Repeat("*", len(p.digits)-10) + p.Last4()
}

// Scheme returns the card network named by p's IIN range, or Unknown.
func (p PAN) Scheme() Scheme { return SchemeOf(p.digits) }

// String returns Masked.
func (p PAN) String() string { return p.Masked() }

// GoString returns Masked, so %#v never shows the number.
func (p PAN) GoString() string { return p.Masked() }

// Format writes Masked for every verb; %q quotes it and width and
// precision apply as they would to a string.
func (p PAN) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.Masked()) }

// LogValue returns Masked as a string, so slog never records the number.
func (p PAN) LogValue() slog.Value { return slog.StringValue(p.Masked()) }

// MarshalJSON returns Masked as a JSON string.
func (p PAN) MarshalJSON() ([]byte, error) { return jsonString(p.Masked()), nil }

// MarshalText returns Masked.
func (p PAN) MarshalText() ([]byte, error) { return []byte(p.Masked()), nil }

// formatRedacted prints s, an already redacted form, for any verb: quoted
// for %q and as a plain string otherwise, honouring flags, width and
// precision.
func formatRedacted(f fmt.State, verb rune, s string) {
	if verb != 'q' {
		verb = 's'
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), s)
}

// jsonString returns s as a JSON string. s is a redacted form made only of
// digits and '*', which need no escaping.
func jsonString(s string) []byte { return []byte(`"` + s + `"`) }
