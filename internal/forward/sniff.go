package forward

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"unicode"
	"unicode/utf8"
)

// Escaping follows the body's real syntax, never the caller's Content-Type
// label: a caller (or a shopper whose holder name the caller relays) must not
// be able to turn escaping off by sending text/plain, no type, an unknown
// +json variant or a list of types. Kind finds the syntax from the template
// itself, with each placeholder stood in for by a neutral value for its
// position:
//
//   - JSON: "" inside a JSON string, 0 elsewhere, and the result is a JSON
//     object or array. So {"mm": {{ CARD_EXPIRATION_DATE_MM_1 }}} is JSON.
//   - XML: "x y" everywhere (text, which is no name, so a placeholder
//     standing as a tag or attribute name does not pass), and the result is
//     well-formed XML: one or more elements, nothing but white space between
//     them at the top.
//   - Form: "x" everywhere, and the result is name=value pairs joined by "&"
//     made only of URL characters and valid percent escapes.
//
// Anything else is Raw: a body of unknown syntax, where a value is written
// only if it is inert in every syntax (see rawSafe) and otherwise refused.

// jsonStandIn and xmlStandIn replace placeholders when sniffing.
const (
	jsonStandIn = "0"
	xmlStandIn  = "x y"
	formStandIn = "x"
)

// Kind returns the syntax of the body t renders: JSON, XML or Form when the
// template, placeholders accounted for, is one; Raw otherwise. Render
// escapes for this kind whatever Content-Type it is given.
func (t *Template) Kind() MediaKind {
	if t.sniffJSON() {
		return JSON
	}
	if xmlWellFormed(t.standIn(xmlStandIn)) {
		return XML
	}
	if formShaped(t.standIn(formStandIn)) {
		return Form
	}
	return Raw
}

// standIn returns the template with every placeholder replaced by s.
func (t *Template) standIn(s string) []byte {
	var b []byte
	for _, seg := range t.segs {
		if seg.ph != nil {
			b = append(b, s...)
		} else {
			b = append(b, seg.lit...)
		}
	}
	return b
}

func (t *Template) sniffJSON() bool {
	n := 0
	for _, seg := range t.segs {
		n += len(seg.lit) + len(jsonStandIn)
	}
	b := make([]byte, 0, n) // one allocation: the stand-in body is never longer
	for _, seg := range t.segs {
		switch {
		case seg.ph == nil:
			b = append(b, seg.lit...)
		case seg.ph.afterEscape:
			return false
		case !seg.ph.inString:
			b = append(b, jsonStandIn...)
		}
	}
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[' || b[0] == '"') && json.Valid(b)
}

// xmlWellFormed reports whether doc is one or more well-formed XML elements
// (a document or a fragment), with only a declaration, comments, processing instructions, a doctype and
// white space around it.
func xmlWellFormed(doc []byte) bool {
	if !utf8.Valid(doc) {
		return false
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	depth, roots := 0, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return depth == 0 && roots >= 1
		}
		if err != nil {
			return false
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
			if !xmlNames(tok) {
				return false
			}
		case xml.EndElement:
			depth--
			if depth < 0 {
				return false
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(tok)) > 0 {
				return false
			}
		}
	}
}

// xmlNames reports whether an element's name and attribute names are real
// names (encoding/xml is lenient about them).
func xmlNames(e xml.StartElement) bool {
	ok := func(n xml.Name) bool { return isXMLName(n.Space) && isXMLName(n.Local) }
	if !ok(e.Name) || e.Name.Local == "" {
		return false
	}
	for _, a := range e.Attr {
		if !ok(a.Name) || a.Name.Local == "" {
			return false
		}
	}
	return true
}

func isXMLName(s string) bool {
	for i, r := range s {
		if !(unicode.IsLetter(r) || r == '_' || i > 0 && (unicode.IsDigit(r) || r == '-' || r == '.' || unicode.IsMark(r))) {
			return false
		}
	}
	return true
}

// formShaped reports whether b is application/x-www-form-urlencoded data:
// one or more name=value pairs (a name is not empty) joined by "&", made of
// URL characters and valid percent escapes only.
func formShaped(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for pair := range bytes.SplitSeq(b, []byte("&")) {
		name, value, ok := bytes.Cut(pair, []byte("="))
		if !ok || len(name) == 0 || !formChars(name) || !formChars(value) {
			return false
		}
	}
	return true
}

func formChars(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case bytes.IndexByte([]byte("-._~!$'()*+,;:@/?[]"), c) >= 0:
		case c == '%' && i+2 < len(b) && isHexDigit(b[i+1]) && isHexDigit(b[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// rawSafe reports whether s can be written unescaped into a body of unknown
// syntax: it holds only letters, combining marks, ASCII digits, spaces and
// the punctuation . - / * (a card number, an expiry, a month, most names,
// the masked values of a dry run).
// Such a value cannot open or close a string, element, parameter or
// comment in any syntax a provider might parse.
func rawSafe(s string) bool {
	for _, r := range s {
		switch {
		case '0' <= r && r <= '9', r == ' ', r == '.', r == '-', r == '/', r == '*':
		case r == utf8.RuneError:
			return false
		case unicode.IsLetter(r), unicode.IsMark(r):
		default:
			return false
		}
	}
	return true
}
