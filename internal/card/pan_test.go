package card_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
)

func TestParsePANAccepts(t *testing.T) {
	tests := []struct {
		name, in, digits string
	}{
		{"plain digits", "4111111111111111", "4111111111111111"},
		{"groups of four with spaces", "4111 1111 1111 1111", "4111111111111111"},
		{"groups of four with dashes", "4111-1111-1111-1111", "4111111111111111"},
		{"amex grouping 4-6-5", "3782 822463 10005", "378282246310005"},
		{"surrounding and repeated spaces", "  4111  1111-1111 -1111 ", "4111111111111111"},
		{"12 digits is the shortest", "411111111117", "411111111117"},
		{"19 digits is the longest", "4111111111111111110", "4111111111111111110"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := card.ParsePAN(tc.in)
			if err != nil {
				t.Fatalf("ParsePAN: %v", err)
			}
			if p.Digits() != tc.digits {
				t.Errorf("Digits() = %q, want %q", p.Digits(), tc.digits)
			}
		})
	}
}

func TestParsePANRejects(t *testing.T) {
	tests := []struct {
		name, in, reason string
	}{
		{"empty", "", "must be 12 to 19 digits"},
		{"only separators", " - - ", "must be 12 to 19 digits"},
		{"11 digits", "41111111116", "must be 12 to 19 digits"},
		{"20 digits", "41111111111111111115", "must be 12 to 19 digits"},
		{"very long", strings.Repeat("4", 10000), "must be 12 to 19 digits"},
		{"bad check digit", "4111111111111112", "fails the Luhn check"},
		{"letters", "4111x111111111111", "must contain only digits, spaces and dashes"},
		{"dots", "4111.1111.1111.1111", "must contain only digits, spaces and dashes"},
		{"tabs", "4111\t1111\t1111\t1111", "must contain only digits, spaces and dashes"},
		{"non-ASCII digits", "٤١١١١١١١١١١١١١١١", "must contain only digits, spaces and dashes"},
		{"plus sign", "+4111111111111111", "must contain only digits, spaces and dashes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := card.ParsePAN(tc.in)
			var ie *card.InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("ParsePAN error = %v, want *InvalidError", err)
			}
			if ie.Field != "card number" || ie.Reason != tc.reason {
				t.Errorf("got %q / %q, want %q / %q", ie.Field, ie.Reason, "card number", tc.reason)
			}
			if want := "card number: " + tc.reason; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
			assertNoCardDigits(t, err.Error())
		})
	}
}

func TestParsePANErrorsNeverContainTheInput(t *testing.T) {
	for _, in := range []string{
		"4111111111111112",
		"4111 1111 1111 1112",
		"4111-1111-1111-111x",
		"41111111111111111115",
		"41111111111",
	} {
		_, err := card.ParsePAN(in)
		if err == nil {
			t.Fatalf("ParsePAN(%q) succeeded, want an error", in)
		}
		digits := strings.NewReplacer(" ", "", "-", "", "x", "").Replace(in)
		if msg := err.Error(); strings.Contains(msg, in) || strings.Contains(msg, digits) {
			t.Errorf("error %q contains the input", msg)
		}
		assertNoCardDigits(t, err.Error())
	}
}

func TestPANAccessors(t *testing.T) {
	tests := []struct {
		name                             string
		in                               string
		bin, bin8, last4, masked, scheme string
		length                           int
	}{
		{"visa 16", "4111111111111111", "411111", "41111111", "1111", "411111******1111", "visa", 16},
		{"amex 15", "378282246310005", "378282", "37828224", "0005", "378282*****0005", "american express", 15},
		{"diners 14", "36227206271667", "362272", "36227206", "1667", "362272****1667", "diners club", 14},
		{"12 digits keeps two stars", "411111111117", "411111", "41111111", "1117", "411111**1117", "visa", 12},
		{"19 digits", "4111111111111111110", "411111", "41111111", "1110", "411111*********1110", "visa", 19},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPAN(t, tc.in)
			got := []string{p.BIN(), p.BIN8(), p.Last4(), p.Masked(), string(p.Scheme())}
			want := []string{tc.bin, tc.bin8, tc.last4, tc.masked, tc.scheme}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("BIN, BIN8, Last4, Masked, Scheme = %q, want %q", got, want)
					break
				}
			}
			if p.Len() != tc.length {
				t.Errorf("Len() = %d, want %d", p.Len(), tc.length)
			}
			if p.IsZero() {
				t.Error("IsZero() = true for a parsed PAN")
			}
		})
	}
}

func TestZeroPANIsEmptyAndSafe(t *testing.T) {
	var p card.PAN
	if !p.IsZero() || p.Len() != 0 {
		t.Errorf("zero PAN: IsZero() = %v, Len() = %d", p.IsZero(), p.Len())
	}
	for name, got := range map[string]string{
		"Digits": p.Digits(), "BIN": p.BIN(), "BIN8": p.BIN8(), "Last4": p.Last4(),
		"Masked": p.Masked(), "String": p.String(),
	} {
		if got != "" {
			t.Errorf("zero PAN %s() = %q, want empty", name, got)
		}
	}
	if p.Scheme() != card.Unknown {
		t.Errorf("zero PAN Scheme() = %q, want unknown", p.Scheme())
	}
}

func FuzzParsePAN(f *testing.F) {
	for _, tc := range publishedPANs {
		f.Add(tc.digits)
	}
	for _, s := range []string{
		"", "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111112",
		"411111111117", "4111111111111111110", "41111111111111111115", "4111x1111",
		"٤١١١", "\x00", "- - -",
	} {
		f.Add(s)
	}
	reasons := map[string]bool{
		"card number: must be 12 to 19 digits":                     true,
		"card number: fails the Luhn check":                        true,
		"card number: must contain only digits, spaces and dashes": true,
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := card.ParsePAN(s)
		if err != nil {
			if !reasons[err.Error()] {
				t.Fatalf("unexpected error text %q", err.Error())
			}
			return
		}
		d := p.Digits()
		if len(d) < 12 || len(d) > 19 || !allDigits(d) {
			t.Fatalf("Digits() = %q, want 12 to 19 ASCII digits", d)
		}
		if !luhn(d) {
			t.Fatalf("Digits() = %q fails the Luhn check", d)
		}
		if got := strings.NewReplacer(" ", "", "-", "").Replace(s); got != d {
			t.Fatalf("Digits() = %q, want the input without separators %q", d, got)
		}
		m := p.Masked()
		if len(m) != len(d) || m[:6] != d[:6] || m[len(m)-4:] != d[len(d)-4:] ||
			strings.Trim(m[6:len(m)-4], "*") != "" {
			t.Fatalf("Masked() = %q, want first 6, stars, last 4 of a %d-digit PAN", m, len(d))
		}
		if p.String() != m || p.GoString() != m {
			t.Fatalf("String/GoString = %q/%q, want %q", p.String(), p.GoString(), m)
		}
		if p.BIN() != d[:6] || p.Last4() != d[len(d)-4:] || p.Len() != len(d) {
			t.Fatalf("BIN/Last4/Len disagree with Digits")
		}
	})
}

func mustPAN(tb testing.TB, s string) card.PAN {
	tb.Helper()
	p, err := card.ParsePAN(s)
	if err != nil {
		tb.Fatalf("ParsePAN(%q): %v", s, err)
	}
	return p
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// digitRun matches three or more digits in a row: more than any error
// message needs, fewer than any card number has.
var digitRun = regexp.MustCompile(`[0-9]{3,}`)

func assertNoCardDigits(tb testing.TB, msg string) {
	tb.Helper()
	if run := digitRun.FindString(msg); run != "" {
		tb.Errorf("message %q contains the digit run %q", msg, run)
	}
}
