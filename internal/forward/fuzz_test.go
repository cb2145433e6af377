package forward_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cardvault/cardvault/internal/forward"
)

var templateSeeds = []string{
	`{"n":"{{ CARD_NUMBER_1 }}","e":"{{CARD_EXPIRATION_DATE_1}}","m":{{ CARD_EXPIRATION_DATE_M_1 }}}`,
	`{"month": "{{ expiration_month | unwrap }}", "year": "{{expiry_year|unwrap}}"}`,
	`{"a":"x\"{{ a }}\\","b":["{{b}}",{{c}}]}`,
	`<a b="{{ CARD_HOLDER_NAME_1 }}"><![CDATA[{{ x }}]]>{{y}}</a>`,
	`card[number]={{ CARD_NUMBER_1 }}&n={{ CARD_HOLDER_NAME_1 }}`,
	`{{{ x }}} {{}} {{ 1 }} {{ x | unwrap}} {{ x |`,
	`"{{x|unwrap}}"{{y|unwrap}}"`,
	"{{\tx\n|\runwrap }}",
	`<a><!-- <![CDATA[ -->{{ x }}<!-- {{ y }} --></a>`,
	`<?pi {{x}} ?><a b='{{x}}'>{{ y }}<![CDATA[ {{z}} ]]></a>`,
}

// errorIsTyped fails the test unless err is nil or a *TemplateError.
func errorIsTyped(t *testing.T, err error) {
	t.Helper()
	var te *forward.TemplateError
	if err != nil && !errors.As(err, &te) {
		t.Fatalf("error %v is not a *TemplateError", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range templateSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		tpl, err := forward.Parse(src)
		errorIsTyped(t, err)
		if err != nil {
			return
		}
		for _, name := range tpl.Placeholders() {
			if name == "" || len(name) > forward.MaxNameLen || !isIdent(name) {
				t.Fatalf("bad placeholder name %q", name)
			}
		}
		// Rendering every placeholder as "" never grows the body: only
		// literal text is kept.
		empty := func(string) (forward.Value, error) { return forward.Value{}, nil }
		out, err := tpl.RenderKind(forward.Raw, empty)
		if err != nil || len(out) > len(src) {
			t.Fatalf("raw render: %d bytes from %d, %v", len(out), len(src), err)
		}
		if !tpl.HasPlaceholders() && !bytes.Equal(out, src) {
			t.Fatalf("a template without placeholders changed: %q", out)
		}
		_, err = tpl.Check(forward.Either(forward.Gr4vy, forward.Guardian), 3)
		errorIsTyped(t, err)
	})
}

func isIdent(s string) bool {
	for i, c := range []byte(s) {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// FuzzRender: whatever the values, escaping keeps the body's structure.
// A template that is valid JSON renders to valid JSON; a well-formed XML
// template renders to well-formed XML with the template's own elements,
// attributes, comments and processing instructions (the placeholders read
// as text); a form body keeps its fields. Successive placeholders get val
// and val2 in turn, so two values meet where placeholders are adjacent.
func FuzzRender(f *testing.F) {
	for _, s := range templateSeeds {
		f.Add(s, `O"Brien</x> & ]]> \u2028`, "", false)
		f.Add(s, "0042", "7", true)
		f.Add(s, "x]]", "><inject>1</inject><![CDATA[", false)
	}
	f.Add(`<a><![CDATA[{{ x }}{{ y }}]]></a>`, "x]]", "><inject>1</inject><![CDATA[", false)
	f.Add(`<a><![CDATA[]]{{ x }}]]></a>`, "><i/><![CDATA[", "", false)
	f.Add(`<a><![CDATA[]{{ x }}]>]]></a>`, "", "", false)
	f.Fuzz(func(t *testing.T, src, val, val2 string, number bool) {
		tpl, err := forward.Parse([]byte(src))
		if err != nil {
			return
		}
		if json.Valid([]byte(src)) {
			out, err := tpl.RenderKind(forward.JSON, alternate(val, val2, number))
			errorIsTyped(t, err)
			if err == nil && !json.Valid(out) {
				t.Fatalf("valid JSON template %q with values %q, %q rendered invalid JSON %q", src, val, val2, out)
			}
		}
		if want, ok := xmlStructure(src); ok {
			out, err := tpl.RenderKind(forward.XML, alternate(val, val2, number))
			if err != nil {
				t.Fatalf("XML render: %v", err)
			}
			got, ok := xmlStructure(string(out))
			if !ok {
				t.Fatalf("well-formed XML template %q with values %q, %q rendered %q", src, val, val2, out)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("XML template %q with values %q, %q rendered %q: structure %q, want %q", src, val, val2, out, got, want)
			}
		}
		out, err := tpl.RenderKind(forward.Form, alternate(val, val2, number))
		if err != nil {
			t.Fatalf("form render: %v", err)
		}
		blank, _ := tpl.RenderKind(forward.Form, func(string) (forward.Value, error) { return forward.Value{}, nil })
		for _, sep := range []string{"&", "=", ";"} {
			if strings.Count(string(out), sep) != strings.Count(string(blank), sep) {
				t.Fatalf("form values %q, %q added a %q to %q", val, val2, sep, out)
			}
		}
	})
}

// alternate returns a lookup that answers a, b, a, b, … on successive calls.
func alternate(a, b string, number bool) forward.Lookup {
	n := 0
	return func(string) (forward.Value, error) {
		n++
		if n%2 == 0 {
			return forward.Value{Text: b, Number: number}, nil
		}
		return forward.Value{Text: a, Number: number}, nil
	}
}

// FuzzJSONStringRoundTrip: a value rendered inside a JSON string decodes
// back to itself, between any literal text.
func FuzzJSONStringRoundTrip(f *testing.F) {
	f.Add("pre ", " post", `O"Brien\</x>`+"\n\t\x00\u2028")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, prefix, suffix, val string) {
		if !utf8.ValidString(prefix) || !utf8.ValidString(suffix) || !utf8.ValidString(val) || strings.Contains(prefix+suffix, "{{") || strings.HasSuffix(prefix, "{") || strings.HasPrefix(suffix, "{") {
			return
		}
		p, _ := json.Marshal(prefix)
		s, _ := json.Marshal(suffix)
		src := string(p[:len(p)-1]) + "{{ CARD_HOLDER_NAME_1 }}" + string(s[1:])
		tpl, err := forward.Parse([]byte(src))
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		out, err := tpl.Render("application/json", func(string) (forward.Value, error) { return forward.Value{Text: val}, nil })
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := json.Unmarshal(out, &got); err != nil || got != prefix+val+suffix {
			t.Fatalf("rendered %q decodes to %q (%v), want %q", out, got, err, prefix+val+suffix)
		}
	})
}

func wellFormedXML(s string) bool {
	_, ok := xmlStructure(s)
	return ok
}

// xmlStructure returns the markup of a well-formed XML document, one entry
// per element start (name and attribute names), element end, comment,
// processing instruction (target) and directive, leaving out character
// data and attribute values; ok is false for anything that is not
// well-formed XML with at least one '<'.
func xmlStructure(s string) (markup []string, ok bool) {
	if !strings.Contains(s, "<") {
		return nil, false
	}
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return markup, true
		}
		if err != nil {
			return nil, false
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := "<" + tok.Name.Space + ":" + tok.Name.Local
			for _, a := range tok.Attr {
				e += " " + a.Name.Space + ":" + a.Name.Local
			}
			markup = append(markup, e)
		case xml.EndElement:
			markup = append(markup, "</"+tok.Name.Space+":"+tok.Name.Local)
		case xml.Comment:
			markup = append(markup, "<!--")
		case xml.ProcInst:
			markup = append(markup, "<?"+tok.Target)
		case xml.Directive:
			markup = append(markup, "<!")
		}
	}
}

func FuzzParseAllowlist(f *testing.F) {
	for _, s := range []string{
		"api.stripe.com,*.adyen.com,http://127.0.0.1:9000", "[::1]:8443", "::1", "https://a.b:1/",
		"HTTP://X.Y.", "*.a.b:65535", "0x7f.1", "host:08",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		a, err := forward.ParseAllowlist(spec)
		if err != nil {
			return
		}
		c := a.String()
		b, err := forward.ParseAllowlist(c)
		if err != nil || b.String() != c || b.Len() != a.Len() {
			t.Fatalf("canonical form %q of %q does not round-trip: %v", c, spec, err)
		}
	})
}

// FuzzDestination: whatever the URL, Prepare accepts it only if its
// scheme, host and port match a rule, by an oracle independent of the
// relay's own parsing.
func FuzzDestination(f *testing.F) {
	for _, s := range []string{
		"https://api.stripe.com/v1", "https://API.stripe.com.:443/", "http://127.0.0.1:9000/x", "https://x.adyen.com/",
		"https://adyen.com", "https://[::1]:9000", "https://u@api.stripe.com", "https://api.stripe.com%2f@evil",
		"https://api.stripe.com\\@evil.com", "https://evil.com#@api.stripe.com", "http://127.0.0.1:9000@evil",
	} {
		f.Add(s)
	}
	allow := map[string]bool{"https|api.stripe.com|443": true, "http|127.0.0.1|9000": true}
	r := forward.NewRelay(mustAllow(f, "api.stripe.com,*.adyen.com,http://127.0.0.1:9000"), forward.Options{Resolver: publicDNS})
	f.Fuzz(func(t *testing.T, raw string) {
		_, err := r.Prepare(t.Context(), forward.Request{URL: raw})
		if err != nil {
			var re *forward.RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("Prepare(%q): %v is not a refusal", raw, err)
			}
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil || u.User != nil {
			t.Fatalf("accepted %q (parse error %v)", raw, perr)
		}
		host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		port := u.Port()
		if port == "" {
			port = map[string]string{"https": "443", "http": "80"}[strings.ToLower(u.Scheme)]
		}
		key := strings.ToLower(u.Scheme) + "|" + host + "|" + port
		wild := strings.ToLower(u.Scheme) == "https" && port == "443" && strings.HasSuffix(host, ".adyen.com")
		if !allow[key] && !wild {
			t.Fatalf("accepted %q (%s), which no rule allows", raw, key)
		}
	})
}

func mustAllow(tb testing.TB, spec string) *forward.Allowlist {
	tb.Helper()
	a, err := forward.ParseAllowlist(spec)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}
