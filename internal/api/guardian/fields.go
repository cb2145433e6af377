package guardian

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Guardian's metadata limits.
const (
	maxMetadataPairs    = 20
	maxMetadataKeyLen   = 20
	maxMetadataValueLen = 80
	// maxTokenLifetime bounds expiration_time / expires_in of a token, in seconds (30 days).
	maxTokenLifetime = 2592000
	// maxKeyLifetime bounds expiration_time / expires_in of an API key, in seconds (90 days).
	maxKeyLifetime = 7776000
)

// isNull reports whether a raw JSON value is absent or null.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// decodeSource reads a request's required source object into T; types
// names the accepted source types for the messages.
func decodeSource[T any](raw json.RawMessage, types string) (T, error) {
	var src T
	if isNull(raw) {
		return src, badRequest("source", "source is required, with type %s", types)
	}
	if err := json.Unmarshal(raw, &src); err != nil {
		return src, badRequest("source", "source must be an object with a type (%s)", types)
	}
	return src, nil
}

// parseMetadata checks Guardian's metadata rules: an object of at most 20
// pairs, keys of 1 to 20 characters, string values of at most 80. Absent or
// null is no metadata.
func parseMetadata(raw json.RawMessage) (map[string]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, badRequest("metadata", "metadata must be an object of string values")
	}
	if len(obj) > maxMetadataPairs {
		return nil, badRequest("metadata", "metadata may hold at most %d key-value pairs, not %d", maxMetadataPairs, len(obj))
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		if n := utf8.RuneCountInString(k); n == 0 || n > maxMetadataKeyLen {
			return nil, badRequest("metadata", "metadata keys must be 1 to %d characters (%q has %d)", maxMetadataKeyLen, clip(k), n)
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil || isNull(v) {
			return nil, badRequest("metadata", "metadata values must be strings (the value of %q is not)", clip(k))
		}
		if n := utf8.RuneCountInString(s); n > maxMetadataValueLen {
			return nil, badRequest("metadata", "metadata values must be at most %d characters (the value of %q has %d)", maxMetadataValueLen, clip(k), n)
		}
		out[k] = s
	}
	return out, nil
}

// clip shortens caller text quoted in an error message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 24 {
		return s
	}
	r := []rune(s)
	return string(r[:24]) + "…"
}

// parseInt reads an integer field sent as a JSON number or a string of
// digits, within lo..hi. present is false when the field is absent or null.
func parseInt(raw json.RawMessage, field string, lo, hi int) (n int, present bool, err error) {
	if isNull(raw) {
		return 0, false, nil
	}
	t := string(bytes.TrimSpace(raw))
	if s, uerr := strconv.Unquote(t); uerr == nil && strings.HasPrefix(t, `"`) {
		t = strings.TrimSpace(s)
	}
	v, perr := strconv.ParseInt(t, 10, 64)
	if perr != nil {
		return 0, true, badRequest(field, "%s must be a whole number from %d to %d", field, lo, hi)
	}
	if v < int64(lo) || v > int64(hi) {
		return 0, true, badRequest(field, "%s must be from %d to %d", field, lo, hi)
	}
	return int(v), true, nil
}

// parseString reads an optional string field; present is false when the
// field is absent or null.
func parseString(raw json.RawMessage, field string) (s string, present bool, err error) {
	if isNull(raw) {
		return "", false, nil
	}
	if s, ok := plainString(raw); ok {
		return s, true, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, badRequest(field, "%s must be a string", field)
	}
	return s, true, nil
}

// plainString decodes a JSON string without escapes (a card number, a
// name): the bytes between its quotes, when they hold no quote, backslash
// or control character and are valid UTF-8, are the string encoding/json
// would decode (FuzzPlainString). ok is false for anything else, which
// encoding/json then decodes, or refuses.
func plainString(raw []byte) (s string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	in := raw[1 : len(raw)-1]
	for _, c := range in {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// parseLifetime reads a lifetime in seconds from either spelling: EAP's
// expiration_time or 1.0's expires_in. Both at once must agree. Zero means
// none was given.
func parseLifetime(eap, v1 json.RawMessage, max int) (int, error) {
	a, hasA, err := parseInt(eap, "expiration_time", 1, max)
	if err != nil {
		return 0, err
	}
	b, hasB, err := parseInt(v1, "expires_in", 1, max)
	if err != nil {
		return 0, err
	}
	if hasA && hasB && a != b {
		return 0, badRequest("expiration_time", "expiration_time and expires_in disagree; send one of them")
	}
	return max0(a, b), nil
}

// max0 returns whichever of a and b is set.
func max0(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// firstOf returns the first non-empty string.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// checkUUID requires id to be a UUID in its canonical 36-character form.
func checkUUID(id, field string) error {
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return badRequest(field, "%s must be a UUID", field)
	}
	return nil
}
