package card

import (
	"fmt"
	"strings"
	"time"
)

// Expiry is the month a card expires in. A card is valid through the last
// day of that month, in UTC. Values from ParseExpiry and NewExpiry have
// Month in 1..12 and a four-digit Year in 2000..2099.
type Expiry struct {
	Month int
	Year  int
}

const expiryField = "expiry"

// ParseExpiry accepts an expiry in any of these spellings, ignoring
// surrounding whitespace:
//
//	06/2025  06-2025  06/25  6/25  6-25  0625  062025  2025-06  2025/06  2025-6
//
// A four-digit year must lie in 2000..2099; a two-digit year means 20YY.
// It returns an *InvalidError naming the rule that failed otherwise.
func ParseExpiry(s string) (Expiry, error) {
	s = strings.TrimSpace(s)
	var month, year string
	if i := strings.IndexAny(s, "/-"); i >= 0 {
		a, b := s[:i], s[i+1:]
		if len(a) == 4 {
			year, month = a, b // YYYY-MM
		} else {
			month, year = a, b // MM/YY or MM/YYYY
		}
		if len(month) != 1 && len(month) != 2 || len(year) != 2 && len(year) != 4 {
			return Expiry{}, invalid(expiryField, "must be MM/YY, MM/YYYY or YYYY-MM")
		}
	} else {
		switch len(s) {
		case 4, 6: // MMYY, MMYYYY
			month, year = s[:2], s[2:]
		default:
			return Expiry{}, invalid(expiryField, "must be MM/YY, MM/YYYY or YYYY-MM")
		}
	}
	m, ok := atoi(month)
	if !ok {
		return Expiry{}, invalid(expiryField, "must contain only digits and one '/' or '-'")
	}
	y, ok := atoi(year)
	if !ok {
		return Expiry{}, invalid(expiryField, "must contain only digits and one '/' or '-'")
	}
	if len(year) == 2 {
		y += 2000
	}
	return newExpiry(m, y)
}

// NewExpiry returns the expiry for month (1..12) and year, which is either
// two digits (0..99, meaning 2000..2099) or four digits in 2000..2099. It
// returns an *InvalidError for any other month or year.
func NewExpiry(month, year int) (Expiry, error) {
	if 0 <= year && year <= 99 {
		year += 2000
	}
	return newExpiry(month, year)
}

func newExpiry(month, year int) (Expiry, error) {
	if month < 1 || month > 12 {
		return Expiry{}, invalid(expiryField, "month must be 1 to 12")
	}
	if year < 2000 || year > 2099 {
		return Expiry{}, invalid(expiryField, "year must be 2000 to 2099")
	}
	return Expiry{Month: month, Year: year}, nil
}

// atoi parses s, which must be non-empty ASCII digits.
func atoi(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	return prefix(s, len(s))
}

// Expired reports whether a card with expiry e is no longer valid at now:
// true from 00:00 UTC on the first day of the month after e.
func (e Expiry) Expired(now time.Time) bool {
	end := time.Date(e.Year, time.Month(e.Month)+1, 1, 0, 0, 0, 0, time.UTC)
	return !now.Before(end)
}

// String returns the expiry as MM/YYYY, for example 06/2025, which
// ParseExpiry accepts.
func (e Expiry) String() string { return e.Month2() + "/" + e.Year4() }

// MMYY returns the expiry as MM/YY, for example 06/25.
func (e Expiry) MMYY() string { return e.Month2() + "/" + e.Year2() }

// Month2 returns the month as two digits, for example "06".
func (e Expiry) Month2() string { return fmt.Sprintf("%02d", e.Month) }

// Year2 returns the last two digits of the year, for example "25".
func (e Expiry) Year2() string { return fmt.Sprintf("%02d", e.Year%100) }

// Year4 returns the year as four digits, for example "2025".
func (e Expiry) Year4() string { return fmt.Sprintf("%04d", e.Year) }
