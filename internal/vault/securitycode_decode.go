package vault

import "bytes"

var _ DirectDecoder = (*heldCode)(nil)

// DecodeDirect parses a held code as encoding/json.Marshal writes it,
// {"card_id":"…","code":"…"}, when both strings are made only of ASCII
// letters, digits and '-' (a card id is a UUID, a code is digits), which
// encoding/json writes as they are and reads back unchanged. Anything else
// (escapes, spaces, other order, other characters) reports false, leaving h
// as it was, and encoding/json decodes it (DirectDecoder). Every forward
// that injects the security code decodes one; FuzzHeldCodeDecodeDirect
// checks that both decoders agree wherever this one answers.
func (h *heldCode) DecodeDirect(raw []byte) bool {
	const head, mid, tail = `{"card_id":"`, `","code":"`, `"}`
	if !bytes.HasPrefix(raw, []byte(head)) || !bytes.HasSuffix(raw, []byte(tail)) || len(raw) < len(head)+len(tail) {
		return false
	}
	inner := raw[len(head) : len(raw)-len(tail)]
	i := bytes.Index(inner, []byte(mid))
	if i < 0 {
		return false
	}
	id, code := inner[:i], inner[i+len(mid):]
	if !plainToken(id) || !plainToken(code) {
		return false
	}
	*h = heldCode{CardID: string(id), Code: string(code)}
	return true
}

// plainToken reports whether b holds only ASCII letters, digits and '-',
// which a JSON string holds as they are.
func plainToken(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}
