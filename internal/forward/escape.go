package forward

import (
	"net/url"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// appendJSONString appends s escaped as the content of a JSON string
// (without quotes): '"', '\\' and control characters are escaped, U+2028
// and U+2029 too (they end lines in JavaScript), and invalid UTF-8 becomes
// U+FFFD.
func appendJSONString(out []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				out = append(out, '\\', c)
			case c == '\n':
				out = append(out, '\\', 'n')
			case c == '\r':
				out = append(out, '\\', 'r')
			case c == '\t':
				out = append(out, '\\', 't')
			case c < 0x20 || c == 0x7f:
				out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case r == '\u2028':
			out = append(out, `\u2028`...)
		case r == '\u2029':
			out = append(out, `\u2029`...)
		default:
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return out
}

// appendXML appends s escaped for XML text and attribute values: the five
// predefined entities, and characters XML 1.0 forbids (control characters
// other than tab, newline and carriage return; invalid UTF-8) become U+FFFD.
// Tab, newline and carriage return are written as character references so
// attribute normalisation keeps them.
func appendXML(out []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '&':
			out = append(out, "&amp;"...)
		case r == '<':
			out = append(out, "&lt;"...)
		case r == '>':
			out = append(out, "&gt;"...)
		case r == '"':
			out = append(out, "&quot;"...)
		case r == '\'':
			out = append(out, "&apos;"...)
		case r == '\t':
			out = append(out, "&#x9;"...)
		case r == '\n':
			out = append(out, "&#xA;"...)
		case r == '\r':
			out = append(out, "&#xD;"...)
		case !xmlChar(r, size):
			out = append(out, "\uFFFD"...)
		default:
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return out
}

// appendXMLComment appends s for the inside of an XML comment: escaped as
// for content, and '-' written as "&#45;" so no "--" can end or break the
// comment.
func appendXMLComment(out []byte, s string) []byte {
	start := len(out)
	out = appendXML(out, s)
	if !bytesContain(out[start:], '-') {
		return out
	}
	esc := append([]byte(nil), out[start:]...)
	out = out[:start]
	for _, c := range esc {
		if c == '-' {
			out = append(out, "&#45;"...)
		} else {
			out = append(out, c)
		}
	}
	return out
}

func bytesContain(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// cdataBreak ends the CDATA section being written and opens a new one.
const cdataBreak = "]]><![CDATA["

// appendCDATA appends s inside a CDATA section as a section of its own: it
// closes the section the template opened, writes s in a new one (each
// "]]>" in s split across two sections, characters XML forbids as U+FFFD),
// and opens another for the template's text after it. So s can never form
// "]]>" with a neighbouring value or with literal text, such as a "]]"
// before the placeholder or a ">" after it.
func appendCDATA(out []byte, s string) []byte {
	out = append(out, cdataBreak...)
	for i := 0; i < len(s); {
		if s[i] == ']' && i+2 < len(s) && s[i+1] == ']' && s[i+2] == '>' {
			out = append(out, "]]]]><![CDATA[>"...)
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != '\t' && r != '\n' && r != '\r' && !xmlChar(r, size) {
			out = append(out, "\uFFFD"...)
		} else {
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return append(out, cdataBreak...)
}

// xmlChar reports whether r (decoded with size bytes) is allowed in XML 1.0
// content, leaving aside tab, newline and carriage return.
func xmlChar(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return false
	case r < 0x20:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return true
}

// appendForm appends s percent-encoded for an
// application/x-www-form-urlencoded body (space as '+').
func appendForm(out []byte, s string) []byte {
	return append(out, url.QueryEscape(s)...)
}
