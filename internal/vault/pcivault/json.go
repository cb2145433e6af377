package pcivault

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/cardvault/cardvault/internal/vault"
)

// pvMember is one top-level field of a stored JSON object, its value kept
// byte for byte as it was sent.
type pvMember struct {
	Key   string
	Value json.RawMessage
}

// pvParseObject reads raw as one JSON object and returns its top-level
// fields in order. It refuses anything that is not exactly one object, and
// objects that repeat a top-level field (two values for "card_number" would
// let the token and the stored number disagree). Errors never quote the input.
func pvParseObject(raw []byte) ([]pvMember, error) {
	if len(raw) > MaxData {
		return nil, vault.Invalid("body", "request body is larger than %d bytes (256 KiB)", MaxData)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, vault.Invalid("body", "request body is empty; a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, pvJSONError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, vault.Invalid("body", "request body must be a JSON object")
	}
	var out []pvMember
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, pvJSONError(err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, vault.Invalid("body", "malformed JSON object")
		}
		if seen[key] {
			return nil, vault.Invalid("body", "a field appears more than once in the JSON object")
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, pvJSONError(err)
		}
		out = append(out, pvMember{Key: key, Value: v})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, pvJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, vault.Invalid("body", "request body has data after the JSON object")
	}
	return out, nil
}

// pvJSONError describes a decoding failure without quoting the input.
func pvJSONError(err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return vault.Invalid("body", "malformed JSON at byte %d", syntax.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return vault.Invalid("body", "malformed JSON: unexpected end of input")
	}
	return vault.Invalid("body", "malformed JSON")
}

// pvMerge returns base with every field of update applied in turn: a field
// base has is replaced where it stands, a new one is appended. Fields not
// in update keep their values.
func pvMerge(base, update []pvMember) []pvMember {
	out := append([]pvMember(nil), base...)
	at := make(map[string]int, len(out))
	for i, m := range out {
		at[m.Key] = i
	}
	for _, m := range update {
		if i, ok := at[m.Key]; ok {
			out[i].Value = m.Value
			continue
		}
		at[m.Key] = len(out)
		out = append(out, m)
	}
	return out
}

// pvEncodeObject writes members as one JSON object, in order, each value as
// it was sent.
func pvEncodeObject(members []pvMember) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		_ = enc.Encode(m.Key)   // a string always encodes
		b.Truncate(b.Len() - 1) // Encode's newline
		b.WriteByte(':')
		b.Write(m.Value)
	}
	b.WriteByte('}')
	return b.Bytes()
}
