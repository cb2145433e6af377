// Package objectid says what an id chosen by a client or an import file
// (a customer, payment method, profile, capture endpoint or connector id)
// may look like.
package objectid

// MaxLen is the longest id, in bytes.
const MaxLen = 64

// Rule says in words what Valid accepts, for error messages.
const Rule = "1-64 letters, digits, '_' or '-'"

// Valid reports whether s is 1 to MaxLen ASCII letters, digits, '_' or
// '-' (never '/', so ids can be joined with it and split again).
func Valid(s string) bool {
	if len(s) == 0 || len(s) > MaxLen {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
