package forward

import (
	"bytes"
	"slices"
)

// MaxNameLen is the longest placeholder name Parse accepts.
const MaxNameLen = 64

// FilterUnwrap is the one filter: in JSON, "{{ x | unwrap }}" filling a whole
// string is replaced, quotes included, by the bare value (a JSON number for
// numeric values such as the expiry month).
const FilterUnwrap = "unwrap"

// Template is a parsed body: literal bytes and placeholders in order. It is
// immutable and safe for concurrent use.
//
// A placeholder is "{{", optional whitespace, a name ([A-Za-z_][A-Za-z0-9_]*,
// at most MaxNameLen bytes), optional whitespace, optionally "|", whitespace,
// a filter name and whitespace, then "}}". "{{" followed (after whitespace) by
// anything but a name start is literal text, so "{{{", "{{}}" and "{{ 1 }}"
// pass through unchanged; "{{" followed by a name must form a whole
// placeholder, or Parse fails.
type Template struct {
	segs  []segment
	names []string
}

// segment is literal text (ph == nil) or one placeholder.
type segment struct {
	lit []byte
	ph  *placeholder
}

// placeholder is one parsed "{{ name | filter }}".
type placeholder struct {
	name   string
	offset int
	unwrap bool
	// inString: if the body is JSON, the placeholder sits inside a string.
	inString bool
	// wholeString: inString, and the placeholder is the string's entire
	// content (the source has '"' right before "{{" and right after "}}").
	wholeString bool
	// xml is the XML lexical context the placeholder sits in, if the body is XML.
	xml xmlState
	// afterEscape: inString, right after a backslash that escapes the
	// placeholder's first byte. JSON escaping cannot protect such a
	// placeholder (an escaped quote would pair with the backslash), so a
	// template holding one is never sniffed as JSON.
	afterEscape bool
}

// xmlState is where a byte sits in an XML document, as far as escaping
// cares.
type xmlState uint8

const (
	xmlContent xmlState = iota // element content or an attribute value
	xmlComment                 // inside <!-- -->
	xmlPI                      // inside <? ?>
	xmlCDATA                   // inside <![CDATA[ ]]>
)

// Parse parses src, which it copies. It returns a *TemplateError for a
// malformed placeholder or an unknown filter; names are checked later,
// against a Syntax (Check) or by the Lookup (Render).
func Parse(src []byte) (*Template, error) {
	src = slices.Clone(src)
	// Every placeholder starts with "{{": their count bounds the
	// placeholders and the segments, so both are allocated once.
	n := bytes.Count(src, []byte("{{"))
	p := parser{src: src, segs: make([]segment, 0, 2*n+1), phs: make([]placeholder, 0, n)}
	return p.parse()
}

// Placeholders returns the distinct placeholder names in order of first use.
func (t *Template) Placeholders() []string { return slices.Clone(t.names) }

// HasPlaceholders reports whether t holds at least one placeholder.
func (t *Template) HasPlaceholders() bool { return len(t.names) > 0 }

type parser struct {
	src  []byte
	segs []segment
	// phs holds the placeholders the segments point to; its capacity is
	// never exceeded (see Parse), so the pointers stay valid.
	phs  []placeholder
	seen map[string]bool
	// names in order of first use
	names []string
	// JSON lexical state over literal text: inside a string, after a backslash.
	jsonStr, jsonEsc bool
	// jsonStrStart is the source offset just after the opening quote of the
	// current JSON string.
	jsonStrStart int
	// XML lexical state over literal text, and where that state began.
	xml      xmlState
	xmlStart int
}

func (p *parser) parse() (*Template, error) {
	litStart := 0
	i := 0
	for i < len(p.src) {
		if p.src[i] != '{' || i+1 >= len(p.src) || p.src[i+1] != '{' {
			p.scan(i)
			i++
			continue
		}
		ph, end, ok, err := p.placeholderAt(i)
		if err != nil {
			return nil, err
		}
		if !ok {
			p.scan(i)
			i++
			continue
		}
		if litStart < i {
			p.segs = append(p.segs, segment{lit: p.src[litStart:i]})
		}
		ph.inString = p.jsonStr
		ph.afterEscape = p.jsonStr && p.jsonEsc
		ph.wholeString = p.jsonStr && p.jsonStrStart == i && end < len(p.src) && p.src[end] == '"'
		ph.xml = p.xml
		p.segs = append(p.segs, segment{ph: ph})
		if !p.seen[ph.name] {
			if p.seen == nil {
				p.seen = map[string]bool{}
			}
			p.seen[ph.name] = true
			p.names = append(p.names, ph.name)
		}
		i, litStart = end, end
	}
	if litStart < len(p.src) {
		p.segs = append(p.segs, segment{lit: p.src[litStart:]})
	}
	return &Template{segs: p.segs, names: p.names}, nil
}

// scan advances the JSON and CDATA lexical state over literal byte i.
func (p *parser) scan(i int) {
	c := p.src[i]
	switch {
	case p.jsonEsc:
		p.jsonEsc = false
	case p.jsonStr && c == '\\':
		p.jsonEsc = true
	case c == '"':
		p.jsonStr = !p.jsonStr
		p.jsonStrStart = i + 1
	}
	switch p.xml {
	case xmlContent:
		switch {
		case c == '[' && hasSuffixAt(p.src, i, "<![CDATA["):
			p.xml = xmlCDATA
		case c == '-' && hasSuffixAt(p.src, i, "<!--"):
			p.xml = xmlComment
		case c == '?' && hasSuffixAt(p.src, i, "<?"):
			p.xml = xmlPI
		default:
			return
		}
		p.xmlStart = i + 1
	case xmlCDATA:
		p.leaveXML(i, "]]>")
	case xmlComment:
		p.leaveXML(i, "-->")
	case xmlPI:
		p.leaveXML(i, "?>")
	}
}

// leaveXML returns to element content when the literal byte i ends a
// section whose terminator is end (found entirely after the section began).
func (p *parser) leaveXML(i int, end string) {
	if i+1-len(end) >= p.xmlStart && hasSuffixAt(p.src, i, end) {
		p.xml = xmlContent
	}
}

// hasSuffixAt reports whether src[:i+1] ends with s.
func hasSuffixAt(src []byte, i int, s string) bool {
	return i+1 >= len(s) && string(src[i+1-len(s):i+1]) == s
}

// placeholderAt parses the placeholder whose "{{" starts at i. ok is false
// when the braces are literal text (no name follows); err is set when a
// name follows but the placeholder is malformed.
func (p *parser) placeholderAt(i int) (ph *placeholder, end int, ok bool, err error) {
	j := skipSpace(p.src, i+2)
	if j >= len(p.src) || !isNameStart(p.src[j]) {
		return nil, 0, false, nil
	}
	name, j := readName(p.src, j)
	bad := func(reason string) (*placeholder, int, bool, error) {
		shown := name
		if len(shown) > MaxNameLen {
			shown = shown[:MaxNameLen] + "..."
		}
		return nil, 0, false, &TemplateError{Name: shown, Offset: i, Reason: reason}
	}
	if len(name) > MaxNameLen {
		return bad("name is longer than 64 characters")
	}
	if len(p.phs) < cap(p.phs) {
		p.phs = append(p.phs, placeholder{name: name, offset: i})
		ph = &p.phs[len(p.phs)-1]
	} else {
		ph = &placeholder{name: name, offset: i}
	}
	j = skipSpace(p.src, j)
	if j < len(p.src) && p.src[j] == '|' {
		j = skipSpace(p.src, j+1)
		if j >= len(p.src) || !isNameStart(p.src[j]) {
			return bad("a filter name must follow '|'")
		}
		var filter string
		filter, j = readName(p.src, j)
		if filter != FilterUnwrap {
			return bad("unknown filter (the only filter is unwrap)")
		}
		ph.unwrap = true
		j = skipSpace(p.src, j)
	}
	if j+1 >= len(p.src) || p.src[j] != '}' || p.src[j+1] != '}' {
		return bad(`placeholder is not closed by "}}"`)
	}
	return ph, j + 2, true, nil
}

func skipSpace(src []byte, j int) int {
	for j < len(src) && (src[j] == ' ' || src[j] == '\t' || src[j] == '\n' || src[j] == '\r') {
		j++
	}
	return j
}

func isNameStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isNameByte(c byte) bool { return isNameStart(c) || '0' <= c && c <= '9' }

// readName reads a name starting at j, which holds a name start. Names
// longer than MaxNameLen are read whole so the caller can refuse them.
func readName(src []byte, j int) (string, int) {
	k := j
	for k < len(src) && isNameByte(src[k]) {
		k++
	}
	return string(src[j:k]), k
}
