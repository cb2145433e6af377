package forward_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cardvault/cardvault/internal/forward"
)

// hostileHolders are holder names a shopper could type into a hosted form
// to rewrite the provider's payload.
var hostileHolders = []string{
	`A","amount":1,"x":"`,
	`A"}],"amount":1,"z":[{"x":"`,
	`</name><amount>1</amount><name>`,
	`"/><amount v="1"/><x a="`,
	`]]><amount>1</amount><![CDATA[`,
	`--><amount>1</amount><!--`,
	`&amount=1`,
	`a=b&c=d;e`,
	`O'Brien \"\\ back\\slash`,
	"ctl \x00\x01\x1b\x7f tab\tnl\n",
	"üñî©ødé \u2028\u2029 𝔘 日本",
	`{{ CARD_NUMBER_1 }}`,
	`%26amount%3D1 + %0a`,
	"Ann Lee",
}

// contentTypes are the labels a caller can put on a forward, including the
// ones the relay used to treat as "no escaping".
var contentTypes = []string{
	"application/json", "application/json; charset=utf-8", "text/plain", "", "application/x-json",
	"application/json, text/plain", "application/vnd.api+json", "application/xml", "text/xml",
	"application/x-www-form-urlencoded", "multipart/form-data", "text/html", "*/*",
}

const holderMark = "HOLDERMARK"

// TestHostileHoldersKeepTheBodySyntax renders 1,000 seeded random templates
// (JSON, XML, form data, free text and broken JSON), each with four of the
// hostile holder names in turn, under every Content-Type. Each render gives a body of the
// template's own syntax in which the holder reads back as the same text, in
// the same place, with no new key, element, attribute or field; or a
// *TemplateError (only for a body of unknown syntax).
func TestHostileHoldersKeepTheBodySyntax(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 4))
	base := cards(t)[:1]
	gens := []struct {
		kind forward.MediaKind
		gen  func(*rand.Rand) string
	}{
		{forward.JSON, genJSONTemplate},
		{forward.XML, genXMLTemplate},
		{forward.Form, genFormTemplate},
		{forward.Raw, genTextTemplate},
		{forward.Raw, func(r *rand.Rand) string { s := genJSONTemplate(r); return s[:len(s)-1] }},
	}
	counts := map[string]int{}
	for i := range 1000 {
		g := gens[i%len(gens)]
		src := g.gen(rng)
		tpl := mustParse(t, src)
		if got := tpl.Kind(); got != g.kind {
			t.Fatalf("template %d %q: Kind = %v, want %v", i, src, got, g.kind)
		}
		ref := renderWith(t, tpl, "", base, holderMark)
		if ref == nil {
			t.Fatalf("template %q does not render with a plain holder", src)
		}
		for j := range 4 { // four holders per template, in turn: every holder meets every kind
			h := hostileHolders[(4*i+j)%len(hostileHolders)]
			for _, ct := range contentTypes {
				out := renderWith(t, tpl, ct, base, h)
				if out == nil {
					counts["refused"]++
					if g.kind != forward.Raw {
						t.Fatalf("%v template %q, holder %q, %q: refused", g.kind, src, h, ct)
					}
					continue
				}
				counts[g.kind.String()]++
				if err := sameShape(g.kind, string(ref), string(out), h); err != nil {
					t.Fatalf("template %q, holder %q, Content-Type %q:\n%s\n%v", src, h, ct, out, err)
				}
			}
		}
	}
	t.Logf("renders by kind: %v", counts)
}

// renderWith renders tpl with card 1's holder set to holder; nil means a
// *TemplateError (any other error fails the test).
func renderWith(t *testing.T, tpl *forward.Template, ct string, base []forward.Card, holder string) []byte {
	t.Helper()
	cs := slices.Clone(base)
	cs[0].Holder = holder
	out, err := tpl.Render(ct, forward.Values(forward.Gr4vy, cs))
	var te *forward.TemplateError
	if err != nil && !errors.As(err, &te) {
		t.Fatalf("Render: %v", err)
	}
	return out
}

// sameShape checks that out is ref (rendered with holderMark) with each
// mark read back as holder, in the body's syntax.
func sameShape(kind forward.MediaKind, ref, out, holder string) error {
	switch kind {
	case forward.JSON:
		var a, b any
		if err := json.Unmarshal([]byte(ref), &a); err != nil {
			return fmt.Errorf("reference is not JSON: %v", err)
		}
		if err := json.Unmarshal([]byte(out), &b); err != nil {
			return fmt.Errorf("not JSON: %v", err)
		}
		if want := replaceMark(a, holder); !reflect.DeepEqual(want, b) {
			return fmt.Errorf("decodes to %v, want %v", b, want)
		}
	case forward.XML:
		a, err := xmlTokens(ref, holder)
		if err != nil {
			return fmt.Errorf("reference: %v", err)
		}
		b, err := xmlTokens(out, "")
		if err != nil {
			return fmt.Errorf("not well-formed XML: %v", err)
		}
		if !slices.Equal(a, b) {
			return fmt.Errorf("tokens %q, want %q", b, a)
		}
	case forward.Form:
		a, err := url.ParseQuery(ref)
		if err != nil {
			return fmt.Errorf("reference: %v", err)
		}
		b, err := url.ParseQuery(out)
		if err != nil {
			return fmt.Errorf("not form data: %v", err)
		}
		want := url.Values{}
		for k, vs := range a {
			for _, v := range vs {
				want.Add(strings.ReplaceAll(k, holderMark, holder), strings.ReplaceAll(v, holderMark, holder))
			}
		}
		if !reflect.DeepEqual(want, b) {
			return fmt.Errorf("fields %v, want %v", b, want)
		}
	default:
		if strings.Contains(ref, holderMark) && strings.ContainsAny(holder, `"'<>&=;{}[]\%+`+"\x00\n") {
			return errors.New("an unsafe holder was pasted into a body of unknown syntax")
		}
		if want := strings.ReplaceAll(ref, holderMark, holder); out != want {
			return fmt.Errorf("want %q", want)
		}
	}
	return nil
}

// replaceMark replaces holderMark in every string and key of a decoded
// JSON value.
func replaceMark(v any, holder string) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(v, holderMark, holder)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = replaceMark(e, holder)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[strings.ReplaceAll(k, holderMark, holder)] = replaceMark(e, holder)
		}
		return out
	}
	return v
}

// xmlTokens flattens a document into comparable tokens: elements with their
// attributes, merged character data, and comments without their content
// (escaped in comments, values do not read back). When holder is not "",
// holderMark is replaced by holder as XML can hold it (characters XML
// forbids become U+FFFD).
func xmlTokens(doc, holder string) ([]string, error) {
	rep := func(s string) string {
		if holder == "" {
			return s
		}
		return strings.ReplaceAll(s, holderMark, xmlSafe(holder))
	}
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	var toks []string
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			toks = append(toks, "text:"+rep(text.String()))
			text.Reset()
		}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			flush()
			return toks, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.CharData:
			text.Write(tok)
			continue
		case xml.StartElement:
			flush()
			s := "<" + tok.Name.Local
			for _, a := range tok.Attr {
				s += " " + a.Name.Local + "=" + rep(a.Value)
			}
			toks = append(toks, s)
		case xml.EndElement:
			flush()
			toks = append(toks, "</"+tok.Name.Local)
		case xml.Comment:
			flush()
			toks = append(toks, "comment")
		}
	}
}

func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != utf8.RuneError && !(r >= 0xD800 && r <= 0xDFFF) && r != 0xFFFE && r != 0xFFFF {
			return r
		}
		return '\uFFFD'
	}, s)
}

// FuzzKind: sniffing never panics, and a template it calls JSON, XML or form
// renders, with any values, to a body a parser for that syntax accepts
// (JSON: when no bare digits placeholder can leave a leading zero).
func FuzzKind(f *testing.F) {
	for _, s := range templateSeeds {
		f.Add(s, `A","amount":1,"x":"`)
	}
	f.Add(`{"mm": {{ CARD_EXPIRATION_DATE_MM_1 }}}`, "x")
	f.Add("a=b&c={{ x }}", "&z=1")
	f.Add("<a>{{ x }}</a>", "</a><b>")
	f.Fuzz(func(t *testing.T, src, val string) {
		tpl, err := forward.Parse([]byte(src))
		if err != nil {
			return
		}
		kind := tpl.Kind()
		lookup := func(string) (forward.Value, error) { return forward.Value{Text: val}, nil }
		out, err := tpl.Render("text/plain", lookup)
		errorIsTyped(t, err)
		if err != nil {
			if kind != forward.Raw && strings.Contains(err.Error(), "cannot be placed in it safely") {
				t.Fatalf("%v template %q refused %q: %v", kind, src, val, err)
			}
			return
		}
		switch kind {
		case forward.JSON:
			if !utf8.ValidString(src) || strings.Trim(val, "0123456789") == "" {
				return // bare digits are written as they are, leading zeros too
			}
			if !json.Valid(out) {
				t.Fatalf("JSON template %q rendered %q", src, out)
			}
			if !utf8.ValidString(val) || strings.Contains(src, holderMark) {
				return
			}
			ref, _ := tpl.Render("", func(string) (forward.Value, error) { return forward.Value{Text: holderMark}, nil })
			if err := sameShape(forward.JSON, string(ref), string(out), val); err != nil {
				t.Fatalf("JSON template %q with %q rendered %q: %v", src, val, out, err)
			}
		case forward.XML:
			if !wellFormedXML(string(out)) {
				t.Fatalf("XML template %q rendered %q", src, out)
			}
		case forward.Form:
			blank, _ := tpl.Render("", func(string) (forward.Value, error) { return forward.Value{}, nil })
			if strings.Count(string(out), "&") != strings.Count(string(blank), "&") || strings.Count(string(out), "=") != strings.Count(string(blank), "=") {
				t.Fatalf("form template %q with %q rendered %q", src, val, out)
			}
		default:
			if tpl.HasPlaceholders() && strings.ContainsAny(val, `"'<>&={}[]\%`) {
				t.Fatalf("raw template %q took unsafe value %q: %q", src, val, out)
			}
		}
	})
}

// A placeholder right after a backslash in a JSON string cannot be escaped
// safely (an escaped quote would pair with the template's backslash and
// close the string), so such a template is not JSON, and a hostile holder
// is refused.
func TestPlaceholderAfterBackslashIsNotJSON(t *testing.T) {
	tpl := mustParse(t, `["\{{ CARD_HOLDER_NAME_1 }}", "]`)
	if k := tpl.Kind(); k != forward.Raw {
		t.Fatalf("Kind = %v, want raw", k)
	}
	if out := renderWith(t, tpl, "application/json", cards(t)[:1], `",1,`); out != nil {
		t.Fatalf("rendered %s", out)
	}
}
