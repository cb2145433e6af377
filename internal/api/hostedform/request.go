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
// optional. The vendor's script options are decoded only to be refused
// with a reason (PCI DSS 6.4.3).
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
	HideCard    bool `json:"hide_card"`
	// CSSLinks are https style sheets; EmbeddedCSS a base64 style sheet.
	CSSLinks    []string `json:"css_links"`
	EmbeddedCSS *string  `json:"embedded_css"`

	JSLinks    json.RawMessage `json:"js_links"`
	EmbeddedJS json.RawMessage `json:"embedded_js"`
}

// noScript is why js_links and embedded_js are refused.
const noScript = "the card form runs no script but its own and the base64 success_callback and error_callback, " +
	"each under the page's nonce: PCI DSS 6.4.3 requires every script on a payment page to be authorized, " +
	"integrity-checked and inventoried, which script loaded from elsewhere or supplied per form cannot be; " +
	"style the form with css_links or embedded_css instead"

// unsupported names the vendor options cardvault refuses, and why.
var unsupported = []struct {
	name string
	get  func(*createRequest) json.RawMessage
	why  string
}{
	{"js_links", func(c *createRequest) json.RawMessage { return c.JSLinks }, noScript},
	{"embedded_js", func(c *createRequest) json.RawMessage { return c.EmbeddedJS }, noScript},
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
		Fields: map[forms.FormField]forms.FieldOptions{}, Style: forms.Style{CSSLinks: req.CSSLinks, HideCard: req.HideCard}}
	for i, l := range req.CSSLinks {
		if _, err := web.CheckStyleLink(l); err != nil {
			return forms.FormInput{}, vault.Invalid("css_links", "css_links[%d] %s", i, err.Error())
		}
	}
	css, err := decodeBase64("embedded_css", req.EmbeddedCSS, forms.MaxFormCSS)
	if err != nil {
		return forms.FormInput{}, err
	}
	if err := web.CheckStyle(css); err != nil {
		return forms.FormInput{}, vault.Invalid("embedded_css", "embedded_css %s", err.Error())
	}
	in.Style.EmbeddedCSS = css
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
	if req.DisableLuhn && formType != forms.FormTypeACH {
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
	src, err := decodeBase64(name, b64, forms.MaxFormScript)
	if err != nil || src == "" {
		return "", err
	}
	if err := web.CheckCallback(src); err != nil {
		return "", vault.Invalid(name, "%s: %s", name, err.Error())
	}
	return src, nil
}

// decodeBase64 decodes a base64 member (standard or URL alphabet, padded
// or not, line breaks ignored) of at most limit bytes once decoded; a
// missing or empty one is "".
func decodeBase64(name string, b64 *string, limit int) (string, error) {
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
		return "", vault.Invalid(name, "%s must be base64-encoded", name)
	}
	if len(src) > limit {
		return "", vault.Invalid(name, "%s must be at most %d bytes once decoded", name, limit)
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
