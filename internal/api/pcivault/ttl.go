package pcivault

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// maxTTLSeconds bounds what ParseTTL computes, far above any lifetime the
// vault accepts, so that no spelling overflows a time.Duration.
const maxTTLSeconds = 1 << 32

var errTTL = errors.New("not a duration")

// ParseTTL reads a capture endpoint lifetime in any spelling PCI Vault's
// documents use: Go-style durations ("45m", "2h", "1h30m", "0s"), ISO-8601
// durations ("PT10M", "P1D", "P1W", "PT1.5S", and PCI Vault's "P0T" for
// zero) and plain seconds ("3600"). Zero means the endpoint never expires.
// Negative durations, years and months (which have no fixed length) and
// anything else fail.
func ParseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return 0, errTTL
	case strings.EqualFold(s, "P0T"):
		return 0, nil
	case s[0] == 'P' || s[0] == 'p':
		return parseISODuration(s[1:])
	case allDigits(s):
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n > maxTTLSeconds {
			return 0, errTTL
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > maxTTLSeconds*time.Second {
		return 0, errTTL
	}
	return d, nil
}

// isoUnits are the ISO-8601 designators accepted, in the order they must
// appear: weeks and days before the 'T', hours, minutes and seconds after.
var isoUnits = []struct {
	designator byte
	timePart   bool
	seconds    float64
}{
	{'W', false, 7 * 86400},
	{'D', false, 86400},
	{'H', true, 3600},
	{'M', true, 60},
	{'S', true, 1},
}

// parseISODuration reads what follows the 'P' of an ISO-8601 duration. A
// decimal fraction (with '.' or ',') is allowed on the last component only.
func parseISODuration(s string) (time.Duration, error) {
	s = strings.ToUpper(s)
	var total float64
	next := 0 // index in isoUnits of the first designator still allowed
	inTime, components := false, 0
	for s != "" {
		if s[0] == 'T' {
			if inTime {
				return 0, errTTL
			}
			inTime, s = true, s[1:]
			if s == "" {
				return 0, errTTL
			}
			continue
		}
		i := 0
		for i < len(s) && (isDigit(s[i]) || s[i] == '.' || s[i] == ',') {
			i++
		}
		if i == 0 || i == len(s) || i > 20 {
			return 0, errTTL
		}
		num, designator := strings.Replace(s[:i], ",", ".", 1), s[i]
		s = s[i+1:]
		frac := strings.Contains(num, ".")
		if (frac && s != "") || strings.Count(num, ".") > 1 || num[0] == '.' || num[len(num)-1] == '.' {
			return 0, errTTL
		}
		u := next
		for u < len(isoUnits) && (isoUnits[u].designator != designator || isoUnits[u].timePart != inTime) {
			u++
		}
		if u == len(isoUnits) {
			return 0, errTTL // unknown, repeated, out of order, or a year or month
		}
		next = u + 1
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, errTTL
		}
		total += v * isoUnits[u].seconds
		components++
	}
	if components == 0 || total > maxTTLSeconds {
		return 0, errTTL
	}
	return time.Duration(total * float64(time.Second)).Round(time.Microsecond), nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits(s string) bool {
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
