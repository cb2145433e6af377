package pcivault

import (
	"bytes"
	"encoding/base64"
	"time"
	"unicode/utf8"

	"github.com/cardvault/cardvault/internal/vault"
)

var _ vault.DirectDecoder = (*pvEntryData)(nil)

// DecodeDirect parses an entry exactly as encoding/json.Marshal writes it
// (fields in declaration order, no spaces, strings without escapes) and
// reports false for anything else, leaving d unchanged; encoding/json then
// decodes it (vault.DirectDecoder). Every reveal decodes its entry, most
// of which is the base64 of an HPKE-sealed data key (about 1.1 KB), and
// encoding/json scans it twice through reflection; here it is scanned once
// and decoded by encoding/base64. FuzzEntryDecodeDirect checks that both
// decoders agree wherever this one answers.
func (d *pvEntryData) DecodeDirect(raw []byte) bool {
	p := pvCursor{b: raw}
	var e pvEntryData
	ok := p.lit(`{"user":`) && p.str(&e.User) &&
		p.lit(`,"user_id":`) && p.str(&e.UserID) &&
		p.lit(`,"token":`) && p.str(&e.Token) &&
		p.lit(`,"reference":`) && p.str(&e.Reference) &&
		p.lit(`,"numbered":`) && p.boolean(&e.Numbered) &&
		p.lit(`,"size":`) && p.integer(&e.Size) &&
		p.lit(`,"keys":`) && pvArray(&p, &e.Keys, (*pvCursor).entryKey) &&
		p.lit(`,"layers":`) && pvArray(&p, &e.Layers, (*pvCursor).layer) &&
		p.lit(`}`) && len(p.b) == 0
	if !ok {
		return false
	}
	*d = e
	return true
}

// pvCursor reads the JSON that encoding/json.Marshal writes, refusing (ok
// false) whatever it does not write or this reader does not handle.
type pvCursor struct{ b []byte }

// lit consumes s.
func (p *pvCursor) lit(s string) bool {
	if len(p.b) < len(s) || string(p.b[:len(s)]) != s {
		return false
	}
	p.b = p.b[len(s):]
	return true
}

// quotedRaw consumes a string literal up to the next quote and returns its
// contents unchecked.
func (p *pvCursor) quotedRaw() ([]byte, bool) {
	if len(p.b) == 0 || p.b[0] != '"' {
		return nil, false
	}
	end := bytes.IndexByte(p.b[1:], '"')
	if end < 0 {
		return nil, false
	}
	s := p.b[1 : 1+end]
	p.b = p.b[end+2:]
	return s, true
}

// quoted consumes a string literal without escapes or control characters
// and returns its contents; strings that encoding/json would have to
// unescape or repair (invalid UTF-8) are refused.
func (p *pvCursor) quoted() ([]byte, bool) {
	s, ok := p.quotedRaw()
	if !ok {
		return nil, false
	}
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return nil, false
		}
	}
	return s, utf8.Valid(s)
}

// str reads a string.
func (p *pvCursor) str(out *string) bool {
	s, ok := p.quoted()
	if ok {
		*out = string(s)
	}
	return ok
}

// bytes reads a []byte: null, or standard padded base64 in a string.
func (p *pvCursor) bytes(out *[]byte) bool {
	if p.lit("null") {
		*out = nil
		return true
	}
	s, ok := p.quotedRaw()
	// The decoder refuses every byte outside the alphabet and padding (a
	// backslash, a control character, anything not ASCII) except CR and
	// LF, which it skips; a JSON string cannot hold them raw.
	if !ok || bytes.IndexByte(s, '\n') >= 0 || bytes.IndexByte(s, '\r') >= 0 {
		return false
	}
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(b, s)
	if err != nil {
		return false
	}
	*out = b[:n]
	return true
}

// boolean reads true or false.
func (p *pvCursor) boolean(out *bool) bool {
	switch {
	case p.lit("true"):
		*out = true
	case p.lit("false"):
		*out = false
	default:
		return false
	}
	return true
}

// integer reads a decimal int as Marshal writes it: an optional minus, then
// 0 or a digit string without leading zeros, at most 15 digits (no overflow
// to decide).
func (p *pvCursor) integer(out *int) bool {
	b, neg := p.b, false
	if len(b) > 0 && b[0] == '-' {
		b, neg = b[1:], true
	}
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	if n == 0 || n > 15 || (n > 1 && b[0] == '0') {
		return false
	}
	v := 0
	for _, c := range b[:n] {
		v = v*10 + int(c-'0')
	}
	if neg {
		v = -v
	}
	*out = v
	p.b = b[n:]
	return true
}

// time reads a time.Time the way encoding/json does: its UnmarshalJSON on
// the quoted literal (RFC 3339).
func (p *pvCursor) time(out *time.Time) bool {
	start := p.b
	if _, ok := p.quoted(); !ok {
		return false
	}
	var t time.Time
	if err := t.UnmarshalJSON(start[:len(start)-len(p.b)]); err != nil {
		return false
	}
	*out = t
	return true
}

// pvArray reads null or a JSON array of elements read by elem.
func pvArray[T any](p *pvCursor, out *[]T, elem func(*pvCursor, *T) bool) bool {
	if p.lit("null") {
		*out = nil
		return true
	}
	if !p.lit("[") {
		return false
	}
	list := []T{}
	for !p.lit("]") {
		if len(list) > 0 && !p.lit(",") {
			return false
		}
		var v T
		if !elem(p, &v) {
			return false
		}
		list = append(list, v)
	}
	*out = list
	return true
}

// entryKey reads a pvEntryKey; "endpoint" is there only when true (omitempty).
func (p *pvCursor) entryKey(k *pvEntryKey) bool {
	if !p.lit("{") {
		return false
	}
	if p.lit(`"endpoint":true,`) {
		k.Endpoint = true
	}
	return p.lit(`"info":`) && p.bytes(&k.Info) &&
		p.lit(`,"sealed":`) && p.bytes(&k.Sealed) && p.lit("}")
}

// layer reads a pvLayer; "by" is there only when not empty (omitempty).
func (p *pvCursor) layer(l *pvLayer) bool {
	if !p.lit(`{"key":`) || !p.integer(&l.Key) || !p.lit(`,"sealed":`) || !p.bytes(&l.Sealed) {
		return false
	}
	if p.lit(`,"by":`) && (!p.str(&l.By) || l.By == "") {
		return false
	}
	return p.lit(`,"at":`) && p.time(&l.At) && p.lit("}")
}
