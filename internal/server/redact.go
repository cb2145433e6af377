package server

import "github.com/cardvault/cardvault/internal/card"

// RedactDigits replaces every card number in s, written with any separators
// or escapes (see card.FindPANs), with "[redacted]". Use it on any text that
// reaches a log or an error message from outside. Runs of digits that hold
// no Luhn-valid number of 13 to 19 digits (ids, timestamps, amounts) are
// kept.
func RedactDigits(s string) string { return card.MaskPANs(s) }
