package connector

import (
	"errors"
	"strconv"
	"strings"
)

// Pointer is a parsed JSON pointer (RFC 6901): the path to one value of a
// JSON document, such as /id or /data/tokenizeCreditCard/paymentMethod/id.
type Pointer struct {
	tokens []string
}

// ParsePointer parses s. The empty pointer (the whole document) is
// allowed; anything else must start with "/", and "~" must be followed by
// "0" (a literal "~") or "1" (a literal "/").
func ParsePointer(s string) (Pointer, error) {
	if s == "" {
		return Pointer{}, nil
	}
	if s[0] != '/' {
		return Pointer{}, errors.New(`a JSON pointer starts with "/"`)
	}
	parts := strings.Split(s[1:], "/")
	for i, p := range parts {
		for j := 0; j < len(p); j++ {
			if p[j] == '~' && (j+1 == len(p) || (p[j+1] != '0' && p[j+1] != '1')) {
				return Pointer{}, errors.New(`in a JSON pointer "~" must be followed by "0" or "1"`)
			}
		}
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return Pointer{tokens: parts}, nil
}

// String returns the pointer in RFC 6901 form; ParsePointer gives it back.
func (p Pointer) String() string {
	var b strings.Builder
	for _, t := range p.tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// IsZero reports whether p is the empty pointer (the whole document).
func (p Pointer) IsZero() bool { return len(p.tokens) == 0 }

// Find returns the value p points at in doc, a value decoded by
// encoding/json into any, and whether it exists.
func (p Pointer) Find(doc any) (any, bool) {
	for _, t := range p.tokens {
		switch v := doc.(type) {
		case map[string]any:
			var ok bool
			if doc, ok = v[t]; !ok {
				return nil, false
			}
		case []any:
			i, ok := arrayIndex(t, len(v))
			if !ok {
				return nil, false
			}
			doc = v[i]
		default:
			return nil, false
		}
	}
	return doc, true
}

// arrayIndex parses an RFC 6901 array index: decimal digits, no leading
// zero, below n.
func arrayIndex(t string, n int) (int, bool) {
	if t == "" || len(t) > 9 || (len(t) > 1 && t[0] == '0') {
		return 0, false
	}
	for i := range len(t) {
		if t[i] < '0' || t[i] > '9' {
			return 0, false
		}
	}
	i, err := strconv.Atoi(t)
	return i, err == nil && i < n
}
