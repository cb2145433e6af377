package hostedform

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
	"github.com/cardvault/cardvault/internal/web"
)

// createRequest is the body of POST /v1/capture/iframe. Every member is
// optional. The vendor's asset options are decoded only to be refused with
// a reason: the form loads nothing from outside the binary.
type createRequest struct {
	SuccessCallback *string                               `json:"success_callback"`
	ErrorCallback   *string                               `json:"error_callback"`
	FieldOptions    map[string]map[string]json.RawMessage `json:"field_options"`
	AllowedOrigins  []string                              `json:"allowed_origins"`
	Title           string                                `json:"title"`
	DisableLuhn     bool                                  `json:"disable_luhn"`
	// ForceKeypad and StripSpaces are accepted as no-ops: numeric inputs
	// always ask for a keypad, and card numbers are always sent as digits.
	ForceKeypad bool `json:"force_keypad"`
	StripSpaces bool `json:"strip_spaces"`

	CSSLinks    json.RawMessage `json:"css_links"`
	JSLinks     json.RawMessage `json:"js_links"`
	EmbeddedCSS json.RawMessage `json:"embedded_css"`
	EmbeddedJS  json.RawMessage `json:"embedded_js"`
	HideCard    json.RawMessage `json:"hide_card"`
}

// unsupported names the vendor options cardvault refuses, and why.
var unsupported = []struct {
	name string
	get  func(*createRequest) json.RawMessage
	why  string
}{
	{"css_links", func(c *createRequest) json.RawMessage { return c.CSSLinks }, "the form loads no external assets (its Content-Security-Policy forbids them)"},
	{"js_links", func(c *createRequest) json.RawMessage { return c.JSLinks }, "the form loads no external assets (its Content-Security-Policy forbids them)"},
	{"embedded_css", func(c *createRequest) json.RawMessage { return c.EmbeddedCSS }, "the form's styles are fixed"},
	{"embedded_js", func(c *createRequest) json.RawMessage { return c.EmbeddedJS }, "only success_callback and error_callback may add script"},
	{"hide_card", func(c *createRequest) json.RawMessage { return c.HideCard }, "use field_options to choose the fields"},
}

// parseCreate turns a request body and the form_type and form_id query
// parameters into a forms.FormInput, naming the first bad input.
func parseCreate(raw []byte, formType, formID string) (forms.FormInput, error) {
	var req createRequest
	if len(strings.TrimSpace(string(raw))) == 0 {
		raw = []byte("{}") // every member is optional, so no body is an empty one
	}
	if err := server.DecodeBytes(raw, &req, true); err != nil {
		return forms.FormInput{}, err
	}
	for _, u := range unsupported {
		if v := u.get(&req); len(v) > 0 && string(v) != "null" {
			return forms.FormInput{}, vault.Invalid(u.name, "%s is not supported: %s", u.name, u.why)
		}
	}
	in := forms.FormInput{ID: formID, Type: formType, AllowedOrigins: req.AllowedOrigins, Title: req.Title,
		Fields: map[forms.FormField]forms.FieldOptions{}}
	var err error
	if in.SuccessCallback, err = decodeScript("success_callback", req.SuccessCallback); err != nil {
		return forms.FormInput{}, err
	}
	if in.ErrorCallback, err = decodeScript("error_callback", req.ErrorCallback); err != nil {
		return forms.FormInput{}, err
	}
	for name, opts := range req.FieldOptions {
		o, err := parseFieldOptions(name, opts)
		if err != nil {
			return forms.FormInput{}, err
		}
		in.Fields[forms.FormField(name)] = o
	}
	if req.DisableLuhn {
		o, given := in.Fields[forms.FormCardNumber]
		if !given {
			o.Visible = true
		}
		o.Validate = false
		in.Fields[forms.FormCardNumber] = o
	}
	return in, nil
}

// parseFieldOptions reads {"visible": bool, "validate": bool}; both default
// to true, and any other option is refused by name.
func parseFieldOptions(field string, opts map[string]json.RawMessage) (forms.FieldOptions, error) {
	o := forms.FieldOptions{Visible: true, Validate: true}
	for k, v := range opts {
		var dst *bool
		switch k {
		case "visible":
			dst = &o.Visible
		case "validate":
			dst = &o.Validate
		default:
			return o, vault.Invalid("field_options", "unknown option %q in field_options.%s (known: visible, validate)",
				server.RedactDigits(clip(k)), server.RedactDigits(clip(field)))
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return o, vault.Invalid("field_options", "field_options.%s.%s must be true or false", server.RedactDigits(clip(field)), k)
		}
	}
	return o, nil
}

// decodeScript decodes a base64 callback (standard or URL alphabet, padded
// or not, line breaks ignored) and checks that it can be embedded in the
// page as one plain function expression (web.CheckCallback). A missing or
// empty callback is none.
func decodeScript(name string, b64 *string) (string, error) {
	if b64 == nil || *b64 == "" {
		return "", nil
	}
	s := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, *b64)
	var src []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if src, err = enc.Strict().DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return "", vault.Invalid(name, "%s must be base64-encoded JavaScript", name)
	}
	if len(src) > forms.MaxFormScript {
		return "", vault.Invalid(name, "%s must be at most %d bytes once decoded", name, forms.MaxFormScript)
	}
	if err := web.CheckCallback(string(src)); err != nil {
		return "", vault.Invalid(name, "%s: %s", name, err.Error())
	}
	return string(src), nil
}

// clip shortens caller input quoted in an error message.
func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
