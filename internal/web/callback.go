package web

import (
	"errors"
	"strings"
)

// CheckCallback reports whether src, a merchant's callback, is safe to
// embed in a form: it must pass CheckScript, and, once embedded (every
// "</" written as "<\/"), it must be exactly one plain function expression,
// so that the page only defines it at load and runs nothing of it before
// the form calls it. Accepted, with any whitespace and comments around:
//
//	function [name] (params) { body }
//	(params) => { body }
//
// The parameters and the body may hold any JavaScript with balanced
// brackets. Refused: anything before or after the function (a comma
// operator, a call, a second statement), arrow functions without
// parentheses or with an expression body, async functions and generators,
// and, so that the check reads the text exactly as the browser does:
//
//   - characters outside ASCII, and backslashes, outside strings,
//     template literals, regular expressions and comments; U+2028 and
//     U+2029 anywhere;
//   - "-->" outside those (an HTML-like comment in some positions);
//   - unterminated strings, templates, regular expressions and comments;
//   - a "/" (not starting a comment) whose meaning, division or the start
//     of a regular expression, takes more than the token before it to
//     know: a "/" right after "}", "++", "--", the ")" of a parenthesis
//     that follows if, while, for, with or await, a keyword used as a
//     property name (a.return), or a keyword or contextual keyword (of,
//     let, yield, async, get, …) other than return, typeof, instanceof,
//     in, new, delete, void, throw, case, do, else, extends (after which
//     "/" starts a regular expression) and this, super, null, true, false
//     (after which it divides). Write such an expression another way, for
//     example with parentheses or a variable.
func CheckCallback(src string) error {
	if err := CheckScript(src); err != nil {
		return err
	}
	if strings.ContainsAny(src, "\u2028\u2029") {
		return errors.New("the callback must not contain the characters U+2028 or U+2029")
	}
	top, err := scanJS(strings.ReplaceAll(src, "</", `<\/`))
	if err != nil {
		return err
	}
	if !plainFunction(top) {
		return errNotAFunction
	}
	return nil
}

// errNotAFunction is the refusal of a callback that is not one function.
var errNotAFunction = errors.New("the callback must be one function expression and nothing else: " +
	"function (responseData, requestData) { … } or (responseData, requestData) => { … }")

// plainFunction reports whether the outermost tokens of a script are one
// function expression: function [name] ( ) { } or ( ) => { }.
func plainFunction(top []jsToken) bool {
	is := func(i int, kind jsKind, text string) bool {
		return i < len(top) && top[i].kind == kind && top[i].text == text
	}
	tail := func(i int) bool {
		return is(i, jsOpen, "(") && is(i+1, jsClose, ")") && is(i+2, jsOpen, "{") && is(i+3, jsClose, "}") && len(top) == i+4
	}
	if is(0, jsOpen, "(") {
		return is(1, jsClose, ")") && is(2, jsPunct, "=>") && is(3, jsOpen, "{") && is(4, jsClose, "}") && len(top) == 5
	}
	if !is(0, jsIdent, "function") {
		return false
	}
	if len(top) > 1 && top[1].kind == jsIdent {
		return tail(2)
	}
	return tail(1)
}
