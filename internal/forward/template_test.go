package forward_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
)

func TestRenderGr4vyPlaceholders(t *testing.T) {
	cs := cards(t)
	tests := []struct {
		name, ct, src, want string
	}{
		{"number", "text/plain", "{{ CARD_NUMBER_1 }}", "4111111111111111"},
		{"second card", "text/plain", "{{CARD_NUMBER_2}}", "378282246310005"},
		{"expiry MM/YY", "text/plain", "{{ CARD_EXPIRATION_DATE_1 }}", "07/31"},
		{"month M", "text/plain", "{{ CARD_EXPIRATION_DATE_M_1 }}", "7"},
		{"month MM", "text/plain", "{{ CARD_EXPIRATION_DATE_MM_1 }}", "07"},
		{"year YY", "text/plain", "{{ CARD_EXPIRATION_DATE_YY_1 }}", "31"},
		{"year YYYY", "text/plain", "{{ CARD_EXPIRATION_DATE_YYYY_1 }}", "2031"},
		{"month M two digits", "text/plain", "{{ CARD_EXPIRATION_DATE_M_2 }}", "12"},
		{"holder raw", "text/plain", "{{ CARD_HOLDER_NAME_2 }}", "Ann Lee"},
		{"security code", "text/plain", "{{ CARD_SECURITY_CODE_1 }}", "123"},
		{"whitespace variants", "", "{{CARD_NUMBER_1}}|{{  CARD_NUMBER_1\t}}|{{\nCARD_NUMBER_1\r\n}}", "4111111111111111|4111111111111111|4111111111111111"},
		{"json in string", "application/json", `{"n":"{{ CARD_NUMBER_1 }}","m":"{{ CARD_EXPIRATION_DATE_MM_1 }}"}`, `{"n":"4111111111111111","m":"07"}`},
		{"json holder escaped", "application/json; charset=utf-8", `{"h":"{{ CARD_HOLDER_NAME_1 }}"}`, `{"h":"O\"Brien</x> & Co"}`},
		{"json outside string: digits as written", "application/json", `{"m":{{ CARD_EXPIRATION_DATE_MM_1 }},"y":{{CARD_EXPIRATION_DATE_YY_1}}}`, `{"m":07,"y":31}`},
		{"json outside string: other text quoted", "application/json", `{"n":{{ CARD_NUMBER_1 }},"h":{{ CARD_HOLDER_NAME_1 }}}`, `{"n":4111111111111111,"h":"O\"Brien</x> & Co"}`},
		{"vnd+json", "application/vnd.api+json", `{"h":"{{ CARD_HOLDER_NAME_1 }}"}`, `{"h":"O\"Brien</x> & Co"}`},
		{"xml text", "application/xml", `<h>{{ CARD_HOLDER_NAME_1 }}</h>`, `<h>O&quot;Brien&lt;/x&gt; &amp; Co</h>`},
		{"xml attribute", "text/xml", `<c n="{{ CARD_NUMBER_1 }}" h='{{ CARD_HOLDER_NAME_1 }}'/>`, `<c n="4111111111111111" h='O&quot;Brien&lt;/x&gt; &amp; Co'/>`},
		{"soap+xml", "application/soap+xml", `<h>{{ CARD_HOLDER_NAME_2 }}</h>`, `<h>Ann Lee</h>`},
		{"form", "application/x-www-form-urlencoded", `card[number]={{ CARD_NUMBER_1 }}&name={{ CARD_HOLDER_NAME_1 }}&exp={{ CARD_EXPIRATION_DATE_1 }}`, `card[number]=4111111111111111&name=O%22Brien%3C%2Fx%3E+%26+Co&exp=07%2F31`},
		{"literal braces untouched", "application/json", `{"a":"{{{{","b":"{{ 1 }}","c":"{{}}","d":"{{-x}}"}`, `{"a":"{{{{","b":"{{ 1 }}","c":"{{}}","d":"{{-x}}"}`},
		{"several cards", "application/json", `["{{ CARD_NUMBER_1 }}","{{ CARD_NUMBER_2 }}","{{ CARD_NUMBER_1 }}"]`, `["4111111111111111","378282246310005","4111111111111111"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := mustParse(t, tt.src)
			got, err := tpl.Render(tt.ct, forward.Values(forward.Gr4vy, cs))
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("Render =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestRenderGuardianUnwrap(t *testing.T) {
	cs := cards(t)
	src := `{"cardNumber": "{{ account_number }}", "name": "{{cardholder_name}}",
 "expiryDate": {"month": "{{ expiration_month | unwrap }}", "year": "{{ expiration_year|unwrap }}"},
 "m2": "{{ expiry_month }}", "y2": {{ expiry_year }}, "cvc": "{{ security_code | unwrap }}"}`
	got, err := mustParse(t, src).Render("application/json", forward.Values(forward.Guardian, cs[:1]))
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	var v map[string]any
	if err := json.Unmarshal(got, &v); err != nil {
		t.Fatalf("rendered body is not JSON: %v\n%s", err, got)
	}
	exp := v["expiryDate"].(map[string]any)
	if exp["month"] != 7.0 || exp["year"] != 2031.0 {
		t.Errorf("unwrap: got month %#v year %#v, want numbers 7 and 2031", exp["month"], exp["year"])
	}
	if v["cardNumber"] != "4111111111111111" || v["name"] != `O"Brien</x> & Co` || v["m2"] != "07" || v["y2"] != 2031.0 {
		t.Errorf("got %s", got)
	}
	// unwrap keeps a string-typed value a string: a security code never
	// loses a leading zero.
	if v["cvc"] != "123" {
		t.Errorf("cvc = %#v, want the string \"123\"", v["cvc"])
	}
	if !strings.Contains(string(got), `"month": 7,`) {
		t.Errorf("unwrapped month not bare in %s", got)
	}
}

func TestUnwrapOutsideJSONIsPlain(t *testing.T) {
	cs := cards(t)
	got, err := mustParse(t, `<m>{{ expiration_month | unwrap }}</m>`).Render("application/xml", forward.Values(forward.Guardian, cs))
	if err != nil || string(got) != "<m>07</m>" {
		t.Fatalf("Render = %q, %v", got, err)
	}
}

func TestTemplateErrors(t *testing.T) {
	cs := cards(t)
	tests := []struct {
		name, src string
		syntax    forward.Syntax
		reason    string
	}{
		{"unknown placeholder", `{{ CARD_PIN_1 }}`, forward.Gr4vy, "unknown placeholder"},
		{"wrong case", `{{ card_number_1 }}`, forward.Gr4vy, "unknown placeholder"},
		{"index zero", `{{ CARD_NUMBER_0 }}`, forward.Gr4vy, "unknown placeholder"},
		{"leading zero index", `{{ CARD_NUMBER_01 }}`, forward.Gr4vy, "unknown placeholder"},
		{"index beyond list", `{{ CARD_NUMBER_3 }}`, forward.Gr4vy, "refers to card 3 but 2 cards were given"},
		{"security code not held", `{{ CARD_SECURITY_CODE_2 }}`, forward.Gr4vy, "no security code is held for card 2"},
		{"gr4vy name in guardian", `{{ CARD_NUMBER_1 }}`, forward.Guardian, "unknown placeholder"},
		{"guardian upper case", `{{ ACCOUNT_NUMBER }}`, forward.Guardian, "unknown placeholder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := mustParse(t, `{"x":"`+tt.src+`"}`)
			n := len(cs)
			_, errCheck := tpl.Check(tt.syntax, n)
			got, err := tpl.Render("application/json", forward.Values(tt.syntax, cs))
			if got != nil {
				t.Errorf("Render returned %d bytes with an error", len(got))
			}
			var te *forward.TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("Render error = %v, want *TemplateError", err)
			}
			if te.Reason != tt.reason || te.Offset != 6 {
				t.Errorf("Reason, Offset = %q, %d; want %q, 6", te.Reason, te.Offset, tt.reason)
			}
			if tt.reason != "no security code is held for card 2" && errCheck == nil {
				t.Errorf("Check accepted a template that Render refuses")
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ src, reason string }{
		{"{{ CARD_NUMBER_1 }", `placeholder is not closed by "}}"`},
		{"{{ CARD_NUMBER_1", `placeholder is not closed by "}}"`},
		{"{{ CARD NUMBER }}", `placeholder is not closed by "}}"`},
		{"{{ x | upper }}", "unknown filter (the only filter is unwrap)"},
		{"{{ x | }}", "a filter name must follow '|'"},
		{"{{ x | unwrap | unwrap }}", `placeholder is not closed by "}}"`},
		{"{{ " + strings.Repeat("a", 65) + " }}", "name is longer than 64 characters"},
	}
	for _, tt := range tests {
		_, err := forward.Parse([]byte("ab" + tt.src))
		var te *forward.TemplateError
		if !errors.As(err, &te) || te.Reason != tt.reason || te.Offset != 2 {
			t.Errorf("Parse(%q) = %v, want reason %q at offset 2", tt.src, err, tt.reason)
		}
	}
}

func TestUnwrapMustFillTheString(t *testing.T) {
	cs := cards(t)
	_, err := mustParse(t, `{"m":"month {{ expiration_month | unwrap }}"}`).Render("application/json", forward.Values(forward.Guardian, cs))
	var te *forward.TemplateError
	if !errors.As(err, &te) || !strings.Contains(te.Reason, "whole JSON string") {
		t.Fatalf("err = %v, want a whole-string unwrap error", err)
	}
}

func TestCheckReportsNeeds(t *testing.T) {
	tpl := mustParse(t, `{{CARD_NUMBER_1}} {{CARD_SECURITY_CODE_3}} {{CARD_NUMBER_2}} {{CARD_SECURITY_CODE_1}} {{CARD_SECURITY_CODE_3}}`)
	n, err := tpl.Check(forward.Gr4vy, 3)
	if err != nil {
		t.Fatal(err)
	}
	if n.Cards != 3 || len(n.SecurityCode) != 2 || n.SecurityCode[0] != 0 || n.SecurityCode[1] != 2 {
		t.Errorf("Needs = %+v", n)
	}
	if got := tpl.Placeholders(); strings.Join(got, ",") != "CARD_NUMBER_1,CARD_SECURITY_CODE_3,CARD_NUMBER_2,CARD_SECURITY_CODE_1" {
		t.Errorf("Placeholders = %v", got)
	}
	if _, err := tpl.Check(forward.Gr4vy, 2); err == nil {
		t.Error("Check with 2 cards accepted CARD_SECURITY_CODE_3")
	}
	empty := mustParse(t, `{"a":1}`)
	if n, err := empty.Check(forward.Gr4vy, 0); err != nil || n.Cards != 0 || empty.HasPlaceholders() {
		t.Errorf("no placeholders: %+v %v", n, err)
	}
}

func TestMaskedRendersNoCardData(t *testing.T) {
	cs := cards(t)
	src := `{"n":"{{ CARD_NUMBER_1 }}","h":"{{ CARD_HOLDER_NAME_1 }}","e":"{{ CARD_EXPIRATION_DATE_1 }}","m":{{ CARD_EXPIRATION_DATE_M_1 }},"y":"{{CARD_EXPIRATION_DATE_YYYY_1}}","c":"{{ CARD_SECURITY_CODE_1 }}"}`
	got, err := mustParse(t, src).Render("application/json", forward.Masked(forward.Gr4vy, cs))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"n":"411111******1111","h":"O********** & C*","e":"00/00","m":0,"y":"0000","c":"***"}`
	if string(got) != want {
		t.Errorf("masked =\n%s\nwant\n%s", got, want)
	}
	for _, secret := range []string{"4111111111111111", "123", "07", "2031", "Brien"} {
		if strings.Contains(string(got), secret) {
			t.Errorf("masked body contains %q", secret)
		}
	}
	// A dry run fails where the real render would.
	_, err = mustParse(t, `{{ CARD_SECURITY_CODE_2 }}`).Render("", forward.Masked(forward.Gr4vy, cs))
	if err == nil {
		t.Error("masked render of a security code that is not held succeeded")
	}
}

func TestErrorsAndValuesNeverPrintCardData(t *testing.T) {
	v := forward.Value{Text: "4111111111111111"}
	for _, s := range []string{v.String(), v.GoString()} {
		if strings.Contains(s, "4111") {
			t.Errorf("Value printed as %q", s)
		}
	}
	e := &forward.TemplateError{Name: "x4111111111111111", Reason: "unknown placeholder"}
	if strings.Contains(e.Error(), "41111") {
		t.Errorf("TemplateError = %q", e.Error())
	}
	if b, _ := json.Marshal(cards(t)); strings.Contains(string(b), "Brien") || strings.Contains(string(b), "4111111111111111") {
		t.Errorf("cards encode as %s", b)
	}
	lookupErr := errors.New("boom 4111111111111111")
	_, err := mustParse(t, "{{ a }}").Render("", func(string) (forward.Value, error) { return forward.Value{}, lookupErr })
	if !errors.Is(err, lookupErr) || strings.Contains(err.Error(), "4111") {
		t.Errorf("wrapped lookup error = %v", err)
	}
}

func TestKindOf(t *testing.T) {
	tests := map[string]forward.MediaKind{
		"application/json":                  forward.JSON,
		"Application/JSON; charset=UTF-8":   forward.JSON,
		"application/problem+json":          forward.JSON,
		"text/xml":                          forward.XML,
		"application/xml;charset=utf-8":     forward.XML,
		"application/x-www-form-urlencoded": forward.Form,
		"text/plain":                        forward.Raw,
		"":                                  forward.Raw,
		"multipart/form-data; boundary=x":   forward.Raw,
		"application/json; bad param":       forward.JSON,
	}
	for ct, want := range tests {
		if got := forward.KindOf(ct); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestXMLCDATA(t *testing.T) {
	lookup := func(string) (forward.Value, error) { return forward.Value{Text: "a]]>b<&"}, nil }
	got, err := mustParse(t, `<a><![CDATA[{{ x }}]]></a><b>{{ x }}</b>`).Render("application/xml", lookup)
	if err != nil {
		t.Fatal(err)
	}
	want := `<a><![CDATA[]]><![CDATA[a]]]]><![CDATA[>b<&]]><![CDATA[]]></a><b>a]]&gt;b&lt;&amp;</b>`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

// TestXMLContexts: a value can never leave the XML context its
// placeholder sits in, whatever comments, CDATA sections or processing
// instructions surround it.
func TestXMLContexts(t *testing.T) {
	evil := func(string) (forward.Value, error) { return forward.Value{Text: `--></a><b x="1">]]>?>`}, nil }
	tests := []struct{ src, want string }{
		{`<a><!-- <![CDATA[ -->{{ x }}</a>`, `<a><!-- <![CDATA[ -->--&gt;&lt;/a&gt;&lt;b x=&quot;1&quot;&gt;]]&gt;?&gt;</a>`},
		{`<a><!-- {{ x }} --></a>`, `<a><!-- &#45;&#45;&gt;&lt;/a&gt;&lt;b x=&quot;1&quot;&gt;]]&gt;?&gt; --></a>`},
		{`<?pi <![CDATA[ ?><a>{{ x }}</a>`, `<?pi <![CDATA[ ?><a>--&gt;&lt;/a&gt;&lt;b x=&quot;1&quot;&gt;]]&gt;?&gt;</a>`},
		{`<a><![CDATA[ <!-- ]]>{{ x }}</a>`, `<a><![CDATA[ <!-- ]]>--&gt;&lt;/a&gt;&lt;b x=&quot;1&quot;&gt;]]&gt;?&gt;</a>`},
		{`<a><![CDATA[{{ x }}]]></a>`, `<a><![CDATA[]]><![CDATA[--></a><b x="1">]]]]><![CDATA[>?>]]><![CDATA[]]></a>`},
	}
	for _, tt := range tests {
		got, err := mustParse(t, tt.src).Render("application/xml", evil)
		if err != nil {
			t.Fatal(err)
		}
		if !wellFormedXML(string(got)) {
			t.Errorf("%s rendered ill-formed XML %s", tt.src, got)
		}
		if string(got) != tt.want {
			t.Errorf("%s rendered\n%s\nwant\n%s", tt.src, got, tt.want)
		}
	}
}

// TestXMLCDATAValuesCannotCombine: inside CDATA each value is a section of
// its own, so two values, or a value and the literal text beside it, can
// never form "]]>" together and close the section early.
func TestXMLCDATAValuesCannotCombine(t *testing.T) {
	values := map[string]string{"a": "x]]", "b": "><inject>1</inject><![CDATA["}
	lookup := func(name string) (forward.Value, error) { return forward.Value{Text: values[name]}, nil }
	tests := []struct{ src, text string }{
		{`<a><![CDATA[{{ a }}{{ b }}]]></a>`, "x]]><inject>1</inject><![CDATA["}, // adjacent placeholders
		{`<a><![CDATA[]]{{ b }}]]></a>`, "]]><inject>1</inject><![CDATA["},       // literal "]]" before
		{`<a><![CDATA[{{ a }}>]]></a>`, "x]]>"},                                  // literal ">" after
		{`<a><![CDATA[]{{ a }}]]></a>`, "]x]]"},                                  // literal "]" before
		{`<a><![CDATA[{{ a }}{{ a }}{{ b }}{{ b }}]]></a>`, "x]]x]]" + values["b"] + values["b"]},
	}
	for _, tt := range tests {
		got, err := mustParse(t, tt.src).Render("application/xml", lookup)
		if err != nil {
			t.Fatal(err)
		}
		elems, text := xmlElementsAndText(t, string(got))
		if elems != "a" || text != tt.text {
			t.Errorf("%s rendered %s: elements %q, text %q; want only <a> holding %q", tt.src, got, elems, text, tt.text)
		}
	}
}
