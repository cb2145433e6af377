package forward

import (
	"errors"
	"mime"
	"strings"
)

// MediaKind is how Render escapes values: chosen from the body's media type.
type MediaKind int

// The escaping kinds.
const (
	// Raw: values are written as they are (text/plain, multipart, unknown or
	// missing content types).
	Raw MediaKind = iota
	// JSON: application/json, text/json and any +json type. Inside a JSON
	// string values are string-escaped; elsewhere they become a whole JSON
	// value (a quoted string, or a number for numeric values).
	JSON
	// XML: application/xml, text/xml and any +xml type. Values are entity-
	// escaped; inside a CDATA section each value is written in a section of
	// its own, split safely around "]]>".
	XML
	// Form: application/x-www-form-urlencoded. Values are percent-encoded.
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

// KindOf returns the escaping kind for a Content-Type header value.
// Parameters are ignored and matching is case-insensitive.
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
// escaped for contentType (see KindOf and MediaKind). lookup is called once
// per placeholder occurrence. On any error Render returns nil bytes and a
// *TemplateError (wrapping the lookup's own error if it was not one), so a
// half-rendered body never exists outside this function.
func (t *Template) Render(contentType string, lookup Lookup) ([]byte, error) {
	return t.RenderKind(KindOf(contentType), lookup)
}

// RenderKind is Render with the escaping kind given directly.
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
				if digits, ok := jsonNumber(v); ok {
					out = append(out, digits...)
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
