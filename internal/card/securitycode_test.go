package card_test

import (
	"errors"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
)

func TestParseSecurityCode(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		scheme card.Scheme
		want   string // digits, or "" when the code must be rejected
		reason string
	}{
		{"visa takes 3", "123", card.Visa, "123", ""},
		{"mastercard takes 3", "000", card.Mastercard, "000", ""},
		{"amex takes 4", "1234", card.Amex, "1234", ""},
		{"unknown takes 3", "123", card.Unknown, "123", ""},
		{"unknown takes 4", "1234", card.Unknown, "1234", ""},
		{"empty scheme is unknown", "1234", "", "1234", ""},
		{"surrounding whitespace is trimmed", " 123\n", card.Visa, "123", ""},
		{"visa rejects 4", "1234", card.Visa, "", "must be 3 digits"},
		{"visa rejects 2", "12", card.Visa, "", "must be 3 digits"},
		{"amex rejects 3", "123", card.Amex, "", "must be 4 digits for american express"},
		{"amex rejects 5", "12345", card.Amex, "", "must be 4 digits for american express"},
		{"unknown rejects 2", "12", card.Unknown, "", "must be 3 or 4 digits"},
		{"unknown rejects 5", "12345", card.Unknown, "", "must be 3 or 4 digits"},
		{"empty", "", card.Visa, "", "must be 3 digits"},
		{"letters", "12a", card.Visa, "", "must contain only digits"},
		{"inner space", "1 23", card.Visa, "", "must contain only digits"},
		{"non-ASCII digits", "١٢٣", card.Visa, "", "must contain only digits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := card.ParseSecurityCode(tc.in, tc.scheme)
			if tc.want != "" {
				if err != nil || c.Digits() != tc.want || c.IsZero() {
					t.Fatalf("ParseSecurityCode(%q, %q) = %q, %v; want %q", tc.in, tc.scheme, c.Digits(), err, tc.want)
				}
				return
			}
			var ie *card.InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseSecurityCode(%q, %q) error = %v, want *InvalidError", tc.in, tc.scheme, err)
			}
			if ie.Field != "security code" || ie.Reason != tc.reason {
				t.Errorf("got %q / %q, want %q / %q", ie.Field, ie.Reason, "security code", tc.reason)
			}
			if !c.IsZero() {
				t.Error("a rejected code is not zero")
			}
		})
	}
}

func FuzzParseSecurityCode(f *testing.F) {
	for _, s := range []card.Scheme{card.Visa, card.Amex, card.Unknown, ""} {
		for _, in := range []string{"123", "1234", " 123 ", "12", "12345", "12a", ""} {
			f.Add(in, string(s))
		}
	}
	f.Fuzz(func(t *testing.T, in, scheme string) {
		s := card.Scheme(scheme)
		c, err := card.ParseSecurityCode(in, s)
		if err != nil {
			var ie *card.InvalidError
			if !errors.As(err, &ie) || ie.Field != "security code" {
				t.Fatalf("error %v is not a security code *InvalidError", err)
			}
			assertNoCardDigits(t, err.Error())
			return
		}
		d := c.Digits()
		if !allDigits(d) {
			t.Fatalf("Digits() = %q, want ASCII digits", d)
		}
		switch {
		case s == card.Unknown || s == "":
			if len(d) != 3 && len(d) != 4 {
				t.Fatalf("Digits() = %q, want 3 or 4 digits for an unknown scheme", d)
			}
		case len(d) != s.SecurityCodeLen():
			t.Fatalf("Digits() = %q, want %d digits for %q", d, s.SecurityCodeLen(), s)
		}
		if c.String() != "***" || c.GoString() != "***" {
			t.Fatalf("String/GoString = %q/%q, want ***", c.String(), c.GoString())
		}
	})
}
