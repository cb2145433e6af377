package card_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
)

func TestParseExpiryAcceptsEverySpelling(t *testing.T) {
	june2025 := card.Expiry{Month: 6, Year: 2025}
	tests := []struct {
		name, in string
		want     card.Expiry
	}{
		{"MM-YYYY", "06-2025", june2025},
		{"MM/YYYY", "06/2025", june2025},
		{"MM/YY", "06/25", june2025},
		{"M/YY", "6/25", june2025},
		{"M-YY", "6-25", june2025},
		{"M/YYYY", "6/2025", june2025},
		{"MMYY", "0625", june2025},
		{"MMYYYY", "062025", june2025},
		{"YYYY-MM", "2025-06", june2025},
		{"YYYY/MM", "2025/06", june2025},
		{"YYYY-M", "2025-6", june2025},
		{"surrounding spaces are trimmed", "  06/25\t\n", june2025},
		{"december", "12/99", card.Expiry{Month: 12, Year: 2099}},
		{"year 2000", "01/00", card.Expiry{Month: 1, Year: 2000}},
		{"four-digit 2099", "12/2099", card.Expiry{Month: 12, Year: 2099}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := card.ParseExpiry(tc.in)
			if err != nil {
				t.Fatalf("ParseExpiry(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseExpiry(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseExpiryRejects(t *testing.T) {
	const (
		shape  = "must be MM/YY, MM/YYYY or YYYY-MM"
		digits = "must contain only digits and one '/' or '-'"
		month  = "month must be 1 to 12"
		year   = "year must be 2000 to 2099"
	)
	tests := []struct{ name, in, reason string }{
		{"empty", "", shape},
		{"spaces only", "   ", shape},
		{"month 0", "00/25", month},
		{"month 13", "13/25", month},
		{"month 13 in MMYY", "1325", month},
		{"month 0 in YYYY-MM", "2025-00", month},
		{"year before 2000", "06/1999", year},
		{"year after 2099", "06/2100", year},
		{"four-digit year 0025", "06/0025", year},
		{"three-digit year", "06/202", shape},
		{"three-digit month", "006/25", shape},
		{"missing month", "/25", shape},
		{"missing year", "06/", shape},
		{"two separators", "06/25/2025", shape},
		{"mixed separators", "2025-06/01", shape},
		{"letters", "ab/cd", digits},
		{"month name", "Jun/25", shape},
		{"five digits", "06255", shape},
		{"three digits", "625", shape},
		{"sign", "+6/25", digits},
		{"inner spaces", "06 / 25", shape},
		{"letter in a valid shape", "0a/25", digits},
		{"dot separator", "06.25", shape},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := card.ParseExpiry(tc.in)
			var ie *card.InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseExpiry(%q) error = %v, want *InvalidError", tc.in, err)
			}
			if ie.Field != "expiry" || ie.Reason != tc.reason {
				t.Errorf("ParseExpiry(%q): got %q / %q, want %q / %q", tc.in, ie.Field, ie.Reason, "expiry", tc.reason)
			}
		})
	}
}

func TestNewExpiry(t *testing.T) {
	tests := []struct {
		name        string
		month, year int
		want        card.Expiry
		wantErr     bool
	}{
		{"two-digit year", 6, 25, card.Expiry{Month: 6, Year: 2025}, false},
		{"year 0 is 2000", 1, 0, card.Expiry{Month: 1, Year: 2000}, false},
		{"year 99 is 2099", 12, 99, card.Expiry{Month: 12, Year: 2099}, false},
		{"four-digit year", 6, 2025, card.Expiry{Month: 6, Year: 2025}, false},
		{"month 0", 0, 2025, card.Expiry{}, true},
		{"month 13", 13, 2025, card.Expiry{}, true},
		{"negative month", -1, 2025, card.Expiry{}, true},
		{"negative year", 6, -1, card.Expiry{}, true},
		{"three-digit year", 6, 100, card.Expiry{}, true},
		{"1999", 6, 1999, card.Expiry{}, true},
		{"2100", 6, 2100, card.Expiry{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := card.NewExpiry(tc.month, tc.year)
			if tc.wantErr {
				var ie *card.InvalidError
				if !errors.As(err, &ie) || ie.Field != "expiry" {
					t.Fatalf("NewExpiry(%d, %d) = %+v, %v; want an expiry *InvalidError", tc.month, tc.year, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("NewExpiry(%d, %d) = %+v, %v; want %+v", tc.month, tc.year, got, err, tc.want)
			}
		})
	}
}

func TestExpiredAtMonthBoundaries(t *testing.T) {
	june2025 := card.Expiry{Month: 6, Year: 2025}
	dec2025 := card.Expiry{Month: 12, Year: 2025}
	feb2028 := card.Expiry{Month: 2, Year: 2028}
	plus14 := time.FixedZone("UTC+14", 14*3600)
	minus12 := time.FixedZone("UTC-12", -12*3600)
	tests := []struct {
		name string
		e    card.Expiry
		now  time.Time
		want bool
	}{
		{"first day of the month", june2025, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), false},
		{"last nanosecond of the month", june2025, time.Date(2025, 6, 30, 23, 59, 59, 999999999, time.UTC), false},
		{"first instant of the next month", june2025, time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), true},
		{"months before", june2025, time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{"years after", june2025, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"december runs to new year", dec2025, time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{"december ends at new year", dec2025, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"leap february 29", feb2028, time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC), false},
		{"after leap february", feb2028, time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC), true},
		{"local july already but UTC june", june2025, time.Date(2025, 7, 1, 9, 0, 0, 0, plus14), false},
		{"local june still but UTC july", june2025, time.Date(2025, 6, 30, 13, 0, 0, 0, minus12), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.e.Expired(tc.now); got != tc.want {
				t.Errorf("%v.Expired(%v) = %v, want %v", tc.e, tc.now, got, tc.want)
			}
		})
	}
}

func TestExpiryRendering(t *testing.T) {
	tests := []struct {
		e                               card.Expiry
		str, mmyy, month2, year2, year4 string
	}{
		{card.Expiry{Month: 6, Year: 2025}, "06/2025", "06/25", "06", "25", "2025"},
		{card.Expiry{Month: 12, Year: 2000}, "12/2000", "12/00", "12", "00", "2000"},
		{card.Expiry{Month: 1, Year: 2099}, "01/2099", "01/99", "01", "99", "2099"},
	}
	for _, tc := range tests {
		t.Run(tc.str, func(t *testing.T) {
			got := [5]string{tc.e.String(), tc.e.MMYY(), tc.e.Month2(), tc.e.Year2(), tc.e.Year4()}
			want := [5]string{tc.str, tc.mmyy, tc.month2, tc.year2, tc.year4}
			if got != want {
				t.Errorf("String, MMYY, Month2, Year2, Year4 = %q, want %q", got, want)
			}
		})
	}
}

func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{
		"06-2025", "06/2025", "06/25", "6/25", "0625", "062025", "2025-06", "2025/06",
		" 06/25 ", "13/25", "00/25", "06/1999", "2025-6", "/", "-", "", "1/1", "９９/９９",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := card.ParseExpiry(s)
		if err != nil {
			var ie *card.InvalidError
			if !errors.As(err, &ie) || ie.Field != "expiry" {
				t.Fatalf("error %v is not an expiry *InvalidError", err)
			}
			return
		}
		if e.Month < 1 || e.Month > 12 || e.Year < 2000 || e.Year > 2099 {
			t.Fatalf("ParseExpiry(%q) = %+v, out of range", s, e)
		}
		for _, form := range []string{e.String(), e.MMYY()} {
			back, err := card.ParseExpiry(form)
			if err != nil || back != e {
				t.Fatalf("ParseExpiry(%q) = %+v, %v; want %+v", form, back, err, e)
			}
		}
	})
}
