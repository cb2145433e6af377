package forward

import (
	"errors"
	"mime"
	"strings"
)

// MediaKind is how Render escapes values: the body's syntax, found from the
// template itself (Template.Kind).
type MediaKind int

// The escaping kinds.
const (
	// Raw: a body of unknown syntax (text/plain, free text, a malformed
	// document). Only values that are inert in every syntax (letters,
	// digits, spaces and . - / *) are written; any other value makes Render
	// fail with a *TemplateError rather than be pasted as it is.
	Raw MediaKind = iota
	// JSON: a JSON object or array. Inside a JSON string values are
	// string-escaped; elsewhere a value of ASCII digits is written as it is
	// ({"mm": {{ CARD_EXPIRATION_DATE_MM_1 }}} gives {"mm": 07}) and any
	// other value as a quoted JSON string.
	JSON
	// XML: a well-formed XML document. Values are entity-escaped; inside a
	// CDATA section each value is written in a section of its own, split
	// safely around "]]>".
	XML
	// Form: application/x-www-form-urlencoded pairs. Values are
	// percent-encoded.
	Form
)

// String returns the kind's name.
func (k MediaKind) String() string {
	switch k {
	case JSON:
		return "json"
	case XML:
		return "xml"
	case Form:
		return "form"
	default:
		return "raw"
	}
}

// KindOf returns the kind a Content-Type header value names. Parameters
// are ignored and matching is case-insensitive. Render does not use it: a
// label says nothing about the body that follows it.
func KindOf(contentType string) MediaKind {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	switch {
	case mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json"):
		return JSON
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return XML
	case mt == "application/x-www-form-urlencoded":
		return Form
	}
	return Raw
}

// Render returns the body with every placeholder replaced by its value,
// escaped for the body's own syntax (Template.Kind), whatever contentType
// says: a JSON template is rendered as JSON under text/plain too, and a
// template of no known syntax only takes values that are safe in any (see
// Raw). contentType is kept so callers need not change; it is not used.
// lookup is called once per placeholder occurrence. On any error Render
// returns nil bytes and a *TemplateError (wrapping the lookup's own error if
// it was not one), so a half-rendered body never exists outside this
// function.
func (t *Template) Render(contentType string, lookup Lookup) ([]byte, error) {
	_ = contentType
	return t.RenderKind(t.Kind(), lookup)
}

// RenderKind is Render with the escaping kind given directly. Use it only
// with the kind Template.Kind returns, or in tests.
func (t *Template) RenderKind(kind MediaKind, lookup Lookup) ([]byte, error) {
	n := 0
	for _, s := range t.segs {
		n += len(s.lit) + 24
	}
	out := make([]byte, 0, n)
	skip := 0 // bytes to drop from the start of the next literal (an unwrapped string's closing quote)
	for _, s := range t.segs {
		if s.ph == nil {
			out = append(out, s.lit[skip:]...)
			skip = 0
			continue
		}
		ph := s.ph
		v, err := lookup(ph.name)
		if err != nil {
			return nil, lookupError(ph, err)
		}
		switch kind {
		case JSON:
			switch {
			case ph.unwrap && ph.inString && !ph.wholeString:
				return nil, &TemplateError{Name: ph.name, Offset: ph.offset,
					Reason: `unwrap needs the placeholder to be the whole JSON string, as in "{{ x | unwrap }}"`}
			case ph.wholeString && ph.unwrap:
				if digits, ok := jsonNumber(v); ok && len(out) > 0 && out[len(out)-1] == '"' {
					out = append(out[:len(out)-1], digits...) // drop the opening quote
					skip = 1                                  // and the closing one
				} else {
					out = appendJSONString(out, v.Text)
				}
			case ph.inString:
				out = appendJSONString(out, v.Text)
			default:
				if asciiDigits(v.Text) {
					out = append(out, v.Text...) // as written: {"mm": 07}
				} else {
					out = append(out, '"')
					out = appendJSONString(out, v.Text)
					out = append(out, '"')
				}
			}
		case XML:
			switch ph.xml {
			case xmlCDATA:
				out = appendCDATA(out, v.Text)
			case xmlComment:
				out = appendXMLComment(out, v.Text)
			default:
				out = appendXML(out, v.Text)
			}
		case Form:
			out = appendForm(out, v.Text)
		default:
			if !rawSafe(v.Text) {
				return nil, &TemplateError{Name: ph.name, Offset: ph.offset, Reason: unsafeRawReason}
			}
			out = append(out, v.Text...)
		}
	}
	return out, nil
}

// lookupError turns a lookup failure into a *TemplateError for ph.
func lookupError(ph *placeholder, err error) error {
	var te *TemplateError
	if errors.As(err, &te) {
		c := *te
		c.Name, c.Offset = ph.name, ph.offset
		return &c
	}
	return &TemplateError{Name: ph.name, Offset: ph.offset, Reason: "value not available", Err: err}
}

// unsafeRawReason is the refusal of a value that a body of unknown syntax
// cannot hold safely.
const unsafeRawReason = "the body is not JSON, well-formed XML or form data, " +
	"so this value (which holds quotes, brackets or other punctuation) cannot be placed in it safely; " +
	"send the body in one of those syntaxes"

// asciiDigits reports whether s is one or more ASCII digits.
func asciiDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// jsonNumber returns v as a JSON number (leading zeros dropped) when v is
// numeric and its text is all ASCII digits.
func jsonNumber(v Value) (string, bool) {
	if !v.Number || v.Text == "" {
		return "", false
	}
	for i := range len(v.Text) {
		if v.Text[i] < '0' || v.Text[i] > '9' {
			return "", false
		}
	}
	d := strings.TrimLeft(v.Text, "0")
	if d == "" {
		d = "0"
	}
	return d, true
}
