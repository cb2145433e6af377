package server

import "regexp"

// digitRun matches 12 or more digits, allowing single spaces or dashes
// between them: anything that could be a card number.
var digitRun = regexp.MustCompile(`\d(?:[ -]?\d){11,}`)

// RedactDigits replaces every card-number-like run of digits in s with
// "[redacted]". Use it on any text that reaches a log from outside.
func RedactDigits(s string) string {
	return digitRun.ReplaceAllString(s, "[redacted]")
}
