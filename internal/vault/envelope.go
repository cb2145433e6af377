package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
)

// appendEnvelope appends a typed record's Data for schema and sealed:
// exactly what json.Marshal(envelope{schema, sealed}) writes (a []byte is
// standard padded base64 in a JSON string, whose alphabet needs no
// escaping), without its reflection (TestAppendEnvelopeIsJSONMarshal).
func appendEnvelope(dst []byte, schema int, sealed []byte) []byte {
	const head, mid, tail = `{"v":`, `,"sealed":"`, `"}`
	n := base64.StdEncoding.EncodedLen(len(sealed))
	dst = slices.Grow(dst, len(head)+20+len(mid)+n+len(tail))
	dst = append(dst, head...)
	dst = strconv.AppendInt(dst, int64(schema), 10)
	if sealed == nil {
		return append(dst, `,"sealed":null}`...)
	}
	dst = append(dst, mid...)
	dst = base64.StdEncoding.AppendEncode(dst, sealed)
	return append(dst, tail...)
}

// parseEnvelope decodes a typed record's Data. Every record read decodes
// one, and most of it is the base64 of the sealed value, which
// encoding/json scans twice (once to validate, once to decode) through its
// general reflection path; so the exact form that encode writes,
// {"v":N,"sealed":"BASE64"}, is parsed directly, and anything else goes to
// encoding/json, which has the last word (FuzzParseEnvelope checks that
// both agree wherever the direct path answers).
func parseEnvelope(data []byte) (envelope, error) {
	if env, ok := parseEnvelopeDirect(data); ok {
		return env, nil
	}
	var env envelope
	err := json.Unmarshal(data, &env)
	return env, err
}

// parseEnvelopeDirect parses {"v":N,"sealed":"BASE64"} with N a plain
// decimal of at most 9 digits and BASE64 padded standard base64 without
// escapes; ok is false for anything else.
func parseEnvelopeDirect(b []byte) (envelope, bool) {
	const head, mid = `{"v":`, `,"sealed":"`
	if !bytes.HasPrefix(b, []byte(head)) {
		return envelope{}, false
	}
	b = b[len(head):]
	n := 0
	for n < len(b) && n < 10 && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	if n == 0 || n > 9 || (n > 1 && b[0] == '0') {
		return envelope{}, false
	}
	schema := 0
	for _, c := range b[:n] {
		schema = schema*10 + int(c-'0')
	}
	b = b[n:]
	if !bytes.HasPrefix(b, []byte(mid)) || !bytes.HasSuffix(b, []byte(`"}`)) || len(b) < len(mid)+2 {
		return envelope{}, false
	}
	s := b[len(mid) : len(b)-2]
	// The decoder refuses every byte outside the alphabet and padding
	// except CR and LF, which it skips; a JSON string cannot hold them raw,
	// so they are refused here (two vectorised scans, instead of testing
	// each byte by hand before decoding).
	if bytes.IndexByte(s, '\n') >= 0 || bytes.IndexByte(s, '\r') >= 0 {
		return envelope{}, false
	}
	sealed := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	m, err := base64.StdEncoding.Decode(sealed, s)
	if err != nil {
		return envelope{}, false
	}
	return envelope{Schema: schema, Sealed: sealed[:m]}, true
}
