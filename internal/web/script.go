package web

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// ErrUnsafeScript is returned for a callback that cannot be embedded in a
// page safely.
var ErrUnsafeScript = errors.New("the script must not contain \"<!--\", \"<script\" or NUL characters, and must be UTF-8")

// CheckScript reports whether src, a merchant's JavaScript callback, can be
// embedded as the body of a <script> element. The rule, which the
// rendering relies on:
//
//   - src must be UTF-8 without NUL characters;
//   - src must not contain "<!--" or "<script" (in any case), which could
//     put the HTML parser into its escaped script states;
//   - every "</" in src is written as "<\/" when embedded, so no end tag
//     can close the element early. Inside JavaScript strings, template
//     literals, regular expressions and comments this changes nothing;
//     elsewhere "</" is not valid JavaScript anyway.
func CheckScript(src string) error {
	if !utf8.ValidString(src) || strings.ContainsRune(src, 0) {
		return ErrUnsafeScript
	}
	lower := strings.ToLower(src)
	if strings.Contains(lower, "<!--") || strings.Contains(lower, "<script") {
		return ErrUnsafeScript
	}
	return nil
}

// embedScript returns src ready to be the body of a <script> element, or
// ErrUnsafeScript when CheckScript refuses it.
func embedScript(src string) (string, error) {
	if err := CheckScript(src); err != nil {
		return "", err
	}
	return strings.ReplaceAll(src, "</", `<\/`), nil
}
