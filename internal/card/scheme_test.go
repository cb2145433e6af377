package card_test

import (
	"testing"

	"github.com/cardvault/cardvault/internal/card"
)

// publishedPANs are the networks' and processors' published test numbers,
// each Luhn-valid, with the scheme SchemeOf must assign.
var publishedPANs = []struct {
	digits string
	scheme card.Scheme
}{
	{"4111111111111111", card.Visa},
	{"4012888888881881", card.Visa},
	{"4000056655665556", card.Visa},
	{"5555555555554444", card.Mastercard},
	{"5105105105105100", card.Mastercard},
	{"2223003122003222", card.Mastercard},
	{"378282246310005", card.Amex},
	{"371449635398431", card.Amex},
	{"6011111111111117", card.Discover},
	{"6011000990139424", card.Discover},
	{"6445644564456445", card.Discover},
	{"6500000000000002", card.Discover},
	{"3056930009020004", card.DinersClub},
	{"36227206271667", card.DinersClub},
	{"38520000023237", card.DinersClub},
	{"3566002020360505", card.JCB},
	{"3530111333300000", card.JCB},
	{"6200000000000005", card.UnionPay},
	{"6250941006528599", card.UnionPay},
	// A UnionPay test number, but 622282 lies in 622126–622925, where
	// Discover wins by design.
	{"6222821234560017", card.Discover},
	{"6759649826438453", card.Maestro},
	{"6304000000000000", card.Maestro},
}

func TestPublishedTestNumbers(t *testing.T) {
	for _, tc := range publishedPANs {
		t.Run(string(tc.scheme)+"/"+tc.digits, func(t *testing.T) {
			if !luhn(tc.digits) {
				t.Fatalf("test table is wrong: %s fails the Luhn check", tc.digits)
			}
			p, err := card.ParsePAN(tc.digits)
			if err != nil {
				t.Fatalf("ParsePAN: %v", err)
			}
			if got := p.Scheme(); got != tc.scheme {
				t.Errorf("Scheme() = %q, want %q", got, tc.scheme)
			}
		})
	}
}

func TestSchemeOfRangeBoundaries(t *testing.T) {
	tests := []struct {
		name   string
		digits string
		want   card.Scheme
	}{
		{"visa starts with 4", "4", card.Visa},
		{"mastercard 51", "510000", card.Mastercard},
		{"mastercard 55", "559999", card.Mastercard},
		{"mastercard 2221 is the low end", "222100", card.Mastercard},
		{"mastercard 2720 is the high end", "272099", card.Mastercard},
		{"2220 is below mastercard", "222099", card.Unknown},
		{"2721 is above mastercard", "272100", card.Unknown},
		{"amex 34", "340000", card.Amex},
		{"amex 37", "370000", card.Amex},
		{"35 outside jcb is unknown", "350000", card.Unknown},
		{"discover 6011", "601100", card.Discover},
		{"discover 644", "644000", card.Discover},
		{"discover 649", "649999", card.Discover},
		{"643 is not discover", "643000", card.Unknown},
		{"discover 65", "650000", card.Discover},
		{"discover 622126 wins over unionpay", "622126", card.Discover},
		{"discover 622925 wins over unionpay", "622925", card.Discover},
		{"unionpay just below discover range", "622125", card.UnionPay},
		{"unionpay just above discover range", "622926", card.UnionPay},
		{"unionpay 62 with too few digits for the discover range", "6222", card.UnionPay},
		{"unionpay 81", "810000", card.UnionPay},
		{"diners 300", "300000", card.DinersClub},
		{"diners 305", "305999", card.DinersClub},
		{"306 is not diners", "306000", card.Unknown},
		{"diners 3095", "309500", card.DinersClub},
		{"diners 36", "360000", card.DinersClub},
		{"diners 38", "380000", card.DinersClub},
		{"diners 39", "390000", card.DinersClub},
		{"jcb 3528", "352800", card.JCB},
		{"jcb 3589", "358999", card.JCB},
		{"3527 is not jcb", "352799", card.Unknown},
		{"3590 is not jcb", "359000", card.Unknown},
		{"maestro 50", "500000", card.Maestro},
		{"maestro 56", "560000", card.Maestro},
		{"maestro 58", "580000", card.Maestro},
		{"maestro 6304", "630400", card.Maestro},
		{"6305 is not maestro", "630500", card.Unknown},
		{"maestro 639", "639000", card.Maestro},
		{"maestro 6759", "675900", card.Maestro},
		{"maestro 676770", "676770", card.Maestro},
		{"maestro 676774", "676774", card.Maestro},
		{"maestro 67", "670000", card.Maestro},
		{"1 is unknown", "100000", card.Unknown},
		{"9 is unknown", "900000", card.Unknown},
		{"empty is unknown", "", card.Unknown},
		{"non-digits are unknown", "x41111", card.Unknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := card.SchemeOf(tc.digits); got != tc.want {
				t.Errorf("SchemeOf(%q) = %q, want %q", tc.digits, got, tc.want)
			}
		})
	}
}

func TestSecurityCodeLen(t *testing.T) {
	for _, s := range []card.Scheme{card.Visa, card.Mastercard, card.Amex, card.Discover,
		card.DinersClub, card.JCB, card.UnionPay, card.Maestro, card.Unknown} {
		want := 3
		if s == card.Amex {
			want = 4
		}
		if got := s.SecurityCodeLen(); got != want {
			t.Errorf("%q.SecurityCodeLen() = %d, want %d", s, got, want)
		}
	}
}

// luhn is an independent check of the Luhn (mod 10) rule for tests; d must
// be ASCII digits.
func luhn(d string) bool {
	doubled := [10]int{0, 2, 4, 6, 8, 1, 3, 5, 7, 9}
	sum := 0
	for i := range len(d) {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n = doubled[n]
		}
		sum += n
	}
	return sum%10 == 0
}
