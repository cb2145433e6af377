package gr4vy

// errIdentifierPAN refuses an identifier kept for lookups that looks like a
// card number: no card number may be stored outside the sealed card data.
var errIdentifierPAN = invalid(inBody, "external_identifier",
	"external_identifier looks like a card number; card numbers may only be sent as a card's number")

// containsPAN reports whether s holds a run of 13 to 19 digits, possibly
// separated by spaces, dashes or dots, that passes the Luhn check (issue
// 11's detector; card.ContainsPAN replaces it once it exists).
func containsPAN(s string) bool {
	var digits []byte
	flush := func() bool {
		defer func() { digits = digits[:0] }()
		return len(digits) >= 13 && len(digits) <= 19 && luhn(digits)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case (c == ' ' || c == '-' || c == '.') && len(digits) > 0:
		default:
			if flush() {
				return true
			}
		}
	}
	return flush()
}

// luhn reports whether the digits pass the Luhn check.
func luhn(d []byte) bool {
	sum := 0
	for i := range d {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}
