package web

import (
	"errors"
	"strings"
)

// jsKind classifies the tokens scanJS tells apart.
type jsKind int

const (
	jsNone  jsKind = iota // before the first token
	jsIdent               // identifiers and keywords
	jsValue               // numbers, strings, templates, regular expressions
	jsPunct               // operators and other punctuation
	jsOpen                // ( [ {
	jsClose               // ) ] }
)

// jsToken is one token, as far as the scanner needs to know it.
type jsToken struct {
	kind jsKind
	text string // the identifier, punctuator or bracket; empty for values
	// afterDot marks an identifier that follows "." or "#" (a property or
	// private name, which may be a keyword).
	afterDot bool
	// keywordHead marks a ")" whose "(" followed if, while, for, with or
	// await, after which "/" may start a regular expression: if (…) /x/.
	keywordHead bool
}

// jsFrame is an open bracket, or an open ${ of a template literal.
type jsFrame struct {
	open        byte
	keywordHead bool
	template    bool
}

// jsScanner splits JavaScript into the tokens that matter for finding its
// outermost structure: comments, strings, template literals and regular
// expressions are skipped whole, brackets are matched.
type jsScanner struct {
	src   string
	i     int
	prev  jsToken
	stack []jsFrame
	top   []jsToken
}

// Scanner refusals. None quotes the script.
var (
	errJSUnterminated = errors.New("the callback has an unterminated string, template, regular expression or comment")
	errJSBrackets     = errors.New("the callback's brackets do not match")
	errJSChar         = errors.New("the callback may use characters outside ASCII, and backslashes, only inside strings, templates, regular expressions and comments")
	errJSHTMLComment  = errors.New(`the callback must not contain "-->" outside strings and comments`)
	errJSSlash        = errors.New(`a "/" in the callback could be a division or start a regular expression; write that expression another way (parentheses or a variable)`)
)

// scanJS scans src and returns its outermost tokens (those outside every
// bracket, and the outermost brackets themselves), or why it refuses src.
func scanJS(src string) ([]jsToken, error) {
	s := &jsScanner{src: src}
	for s.i < len(s.src) {
		if err := s.next(); err != nil {
			return nil, err
		}
	}
	if len(s.stack) > 0 {
		if s.stack[len(s.stack)-1].template {
			return nil, errJSUnterminated
		}
		return nil, errJSBrackets
	}
	return s.top, nil
}

// emit records a token that ends at s.i.
func (s *jsScanner) emit(t jsToken, outermost bool) {
	s.prev = t
	if outermost {
		s.top = append(s.top, t)
	}
}

// next scans one token, comment or run of white space.
func (s *jsScanner) next() error {
	c := s.src[s.i]
	outer := len(s.stack) == 0
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
		s.i++
	case c == '/' && s.at(1) == '/':
		end := strings.IndexAny(s.src[s.i:], "\n\r")
		if end < 0 {
			s.i = len(s.src)
		} else {
			s.i += end
		}
	case c == '/' && s.at(1) == '*':
		end := strings.Index(s.src[s.i+2:], "*/")
		if end < 0 {
			return errJSUnterminated
		}
		s.i += 2 + end + 2
	case c == '/':
		regex, err := s.slashStartsRegex()
		if err != nil {
			return err
		}
		if !regex {
			s.i++
			s.emit(jsToken{kind: jsPunct, text: "/"}, outer)
			return nil
		}
		if err := s.regex(); err != nil {
			return err
		}
		s.emit(jsToken{kind: jsValue}, outer)
	case c == '\'' || c == '"':
		if err := s.str(c); err != nil {
			return err
		}
		s.emit(jsToken{kind: jsValue}, outer)
	case c == '`':
		s.i++
		return s.template(outer)
	case isIdentStart(c):
		start := s.i
		for s.i < len(s.src) && isIdentPart(s.src[s.i]) {
			s.i++
		}
		after := s.prev.kind == jsPunct && (s.prev.text == "." || s.prev.text == "#")
		s.emit(jsToken{kind: jsIdent, text: s.src[start:s.i], afterDot: after}, outer)
	case c >= '0' && c <= '9':
		for s.i < len(s.src) && (isIdentPart(s.src[s.i]) || s.src[s.i] == '.') {
			s.i++
		}
		s.emit(jsToken{kind: jsValue}, outer)
	case c == '(' || c == '[' || c == '{':
		head := c == '(' && s.prev.kind == jsIdent && !s.prev.afterDot && jsStatementHead(s.prev.text)
		s.stack = append(s.stack, jsFrame{open: c, keywordHead: head})
		s.i++
		s.emit(jsToken{kind: jsOpen, text: string(c)}, outer)
	case c == ')' || c == ']' || c == '}':
		return s.close(c)
	case c < 0x20 || c >= 0x7f || c == '\\':
		return errJSChar
	default:
		return s.punct(c, outer)
	}
	return nil
}

// at returns the byte n places ahead, or 0 past the end.
func (s *jsScanner) at(n int) byte {
	if s.i+n < len(s.src) {
		return s.src[s.i+n]
	}
	return 0
}

// punct scans an operator or other punctuation. Only "++", "--" and "=>"
// are told apart from their characters; "-->" is refused.
func (s *jsScanner) punct(c byte, outer bool) error {
	text := string(c)
	switch {
	case (c == '+' || c == '-') && s.at(1) == c:
		if c == '-' && s.at(2) == '>' {
			return errJSHTMLComment
		}
		text += string(c)
	case c == '=' && s.at(1) == '>':
		text = "=>"
	}
	s.i += len(text)
	s.emit(jsToken{kind: jsPunct, text: text}, outer)
	return nil
}

// close matches a closing bracket, or the "}" that ends a template's ${…}.
func (s *jsScanner) close(c byte) error {
	if len(s.stack) == 0 {
		return errJSBrackets
	}
	f := s.stack[len(s.stack)-1]
	if f.template {
		if c != '}' {
			return errJSBrackets
		}
		s.stack = s.stack[:len(s.stack)-1]
		s.i++
		return s.template(len(s.stack) == 0)
	}
	if f.open != opener(c) {
		return errJSBrackets
	}
	s.stack = s.stack[:len(s.stack)-1]
	s.i++
	s.emit(jsToken{kind: jsClose, text: string(c), keywordHead: f.keywordHead}, len(s.stack) == 0)
	return nil
}

// str skips a string literal opened by quote at s.i.
func (s *jsScanner) str(quote byte) error {
	for s.i++; s.i < len(s.src); s.i++ {
		switch s.src[s.i] {
		case quote:
			s.i++
			return nil
		case '\\':
			s.i++
			if s.at(0) == '\r' && s.at(1) == '\n' {
				s.i++
			}
		case '\n', '\r':
			return errJSUnterminated
		}
	}
	return errJSUnterminated
}

// template skips the rest of a template literal, or of its part after a
// ${…}, up to its closing backquote or its next "${", which opens a frame.
// outer tells whether the literal is outside every bracket.
func (s *jsScanner) template(outer bool) error {
	for ; s.i < len(s.src); s.i++ {
		switch s.src[s.i] {
		case '`':
			s.i++
			s.emit(jsToken{kind: jsValue}, outer)
			return nil
		case '\\':
			s.i++
		case '$':
			if s.at(1) == '{' {
				s.i += 2
				s.stack = append(s.stack, jsFrame{open: '{', template: true})
				// An expression starts: "/" opens a regular expression.
				s.prev = jsToken{kind: jsPunct, text: "${"}
				return nil
			}
		}
	}
	return errJSUnterminated
}

// regex skips a regular expression literal at s.i and its flags.
func (s *jsScanner) regex() error {
	class := false
	for s.i++; s.i < len(s.src); s.i++ {
		switch s.src[s.i] {
		case '\\':
			s.i++
			if c := s.at(0); c == '\n' || c == '\r' || c == 0 {
				return errJSUnterminated
			}
		case '\n', '\r':
			return errJSUnterminated
		case '[':
			class = true
		case ']':
			class = false
		case '/':
			if !class {
				for s.i++; s.i < len(s.src) && isIdentPart(s.src[s.i]); s.i++ {
				}
				return nil
			}
		}
	}
	return errJSUnterminated
}

// slashStartsRegex decides, from the token before it, whether a "/" starts
// a regular expression, and refuses the positions where that takes more
// than one token to know.
func (s *jsScanner) slashStartsRegex() (bool, error) {
	p := s.prev
	switch p.kind {
	case jsNone, jsOpen:
		return true, nil
	case jsValue:
		return false, nil
	case jsClose:
		if p.text == "]" || (p.text == ")" && !p.keywordHead) {
			return false, nil
		}
		return false, errJSSlash
	case jsPunct:
		if p.text == "++" || p.text == "--" {
			return false, errJSSlash
		}
		return true, nil
	}
	switch {
	case p.afterDot && jsKeyword(p.text):
		return false, errJSSlash
	case p.afterDot:
		return false, nil
	case jsBeforeRegex(p.text):
		return true, nil
	case jsBeforeDivision(p.text):
		return false, nil
	case jsKeyword(p.text):
		return false, errJSSlash
	}
	return false, nil
}

// jsStatementHead reports the keywords whose parenthesis may be followed
// by a statement, which may start with a regular expression: if (…) /x/.
// "await" is among them for "for await (…)".
func jsStatementHead(word string) bool {
	switch word {
	case "if", "while", "for", "with", "await":
		return true
	}
	return false
}

// jsBeforeRegex reports the keywords after which "/" starts a regular
// expression.
func jsBeforeRegex(word string) bool {
	switch word {
	case "return", "typeof", "instanceof", "in", "new", "delete", "void", "throw", "case", "do", "else", "extends":
		return true
	}
	return false
}

// jsBeforeDivision reports the keywords after which "/" divides.
func jsBeforeDivision(word string) bool {
	switch word {
	case "this", "super", "null", "true", "false":
		return true
	}
	return false
}

// jsKeyword reports JavaScript's reserved words and the contextual
// keywords whose meaning can change what a following "/" is.
func jsKeyword(word string) bool {
	switch word {
	case "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do",
		"else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof",
		"new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while",
		"with", "yield", "let", "static", "implements", "interface", "package", "private", "protected", "public",
		"await", "async", "of", "get", "set":
		return true
	}
	return false
}

// opener returns the bracket that a closing bracket matches.
func opener(c byte) byte {
	switch c {
	case ')':
		return '('
	case ']':
		return '['
	}
	return '{'
}

// isIdentStart reports ASCII characters that can start an identifier.
func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

// isIdentPart reports ASCII characters that can continue an identifier.
func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }
