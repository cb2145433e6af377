package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
)

// The inputs a form can show, named as the card data fields they send.
const (
	FieldCardNumber = "card_number"
	FieldExpiry     = "expiry"
	FieldCVV        = "cvv"
	FieldCardHolder = "card_holder"
	FieldReference  = "reference"
)

// The inputs of a bank account (ACH) form.
const (
	FieldAccountHolder = "account_holder"
	FieldRoutingNumber = "routing_number"
	FieldAccountNumber = "account_number"
	FieldAccountType   = "account_type"
)

// fieldOrder is the order inputs appear in, whatever order the config lists.
var fieldOrder = []string{FieldCardNumber, FieldExpiry, FieldCVV, FieldCardHolder,
	FieldAccountHolder, FieldRoutingNumber, FieldAccountNumber, FieldAccountType, FieldReference}

// MessageType is the type of the message a form posts to its parent window
// after a successful submission: {type, token, reference}.
const MessageType = "cardvault:captured"

// Field is one input of a form.
type Field struct {
	// Name is one of the Field* constants.
	Name string
	// Validate checks the input in the browser before sending: Luhn and
	// length for the number, a current month for the expiry, the length
	// for the security code, presence for the holder.
	Validate bool
}

// FormConfig describes one rendering of the capture form. Every field
// documents its zero value.
//
// The page posts, with fetch, a JSON object in PCI Vault's hosted-form
// shape to SubmitURL: card_number (digits only), card_type, last_four,
// expiry ("MM/YY"), expiry_month, expiry_year, expiry_year_short,
// card_holder and cvv, each only when its input is shown and filled, plus
// Extra. Its answer must be JSON; on a 2xx answer the page posts
// {type: MessageType, token, reference} to its parent and calls
// SuccessCallback(responseData, requestData), where requestData is the body
// without card_number and cvv.
type FormConfig struct {
	// Nonce is this response's CSP nonce, from NewNonce. Required.
	Nonce string
	// Title heads the page; empty means "Card details".
	Title string
	// Fields lists the inputs to show; inputs not listed are not in the
	// page at all. At least one is required.
	Fields []Field
	// SubmitURL is the same-origin path (starting with "/") the form posts to. Required.
	SubmitURL string
	// Headers are sent with the submission as they are; nil sends none
	// beyond Content-Type.
	Headers map[string]string
	// SecretParam, when set, names a query parameter of the page's own URL
	// whose value the script keeps in memory, removes from the address bar
	// (history.replaceState) and sends in the SecretHeader header. Empty
	// means the page reads no secret.
	SecretParam  string
	SecretHeader string
	// Reference is sent as the reference query parameter of SubmitURL when
	// the reference input is hidden or left empty (and prefills it when
	// shown); empty sends none.
	Reference string
	// Extra is merged into the submitted body under keys the form does not
	// set itself; nil adds nothing.
	Extra map[string]string
	// SuccessCallback and ErrorCallback are JavaScript function
	// expressions, function(responseData, requestData), each embedded as
	// its own nonce'd script that only defines it (see CheckCallback);
	// empty means none. The error callback runs when the vault refuses the
	// submission. Before either runs, the card number, expiry, security
	// code and holder inputs are cleared and disabled.
	SuccessCallback string
	ErrorCallback   string
	// AllowedOrigins may frame the page (CSP frame-ancestors) and receive
	// its message; nil means only the page's own origin.
	AllowedOrigins []string
	// FramedByAnyHTTPS, when AllowedOrigins is empty, lets any https
	// origin (and the page's own) frame the page, as PCI Vault's forms
	// are. The message still goes only to the page's own origin, never to
	// a parent nobody listed. With AllowedOrigins, the page's own origin
	// stays among the framers (the operator console's live preview).
	// false keeps AllowedOrigins' default.
	FramedByAnyHTTPS bool
	// StyleLinks are https style sheets the page links after its own
	// (PCI Vault's css_links; see CheckStyleLink); their origins join
	// style-src. nil links none.
	StyleLinks []string
	// Style is a style sheet embedded after the page's own, under the
	// page's nonce (PCI Vault's embedded_css; see CheckStyle); empty adds
	// none.
	Style string
	// HideScheme hides the card scheme badge next to the number (PCI
	// Vault's hide_card); false shows it.
	HideScheme bool
	// Body reshapes the submitted JSON for endpoints that expect other
	// names or an envelope; the zero value sends PCI Vault's shape as is.
	Body BodyShape
	// Sandbox serves the page with a CSP sandbox directive (SandboxFlags,
	// never allow-same-origin), so it runs in an opaque origin of its own:
	// set it whenever the page runs script the vault did not write (a
	// tenant's callbacks), so that script cannot reach the vault's other
	// pages and frames (another tenant's card fields among them), cookies
	// or storage. The page's submission is then a cross-origin request
	// (Origin: null, no credentials): SubmitURL must answer CORS for it,
	// with the credential in Headers or SecretHeader. Its message to the
	// parent arrives from origin "null". false serves it in the vault's
	// origin.
	Sandbox bool
}

// BodyShape turns the form's body into what another endpoint expects, for
// example Guardian's session completion:
//
//	BodyShape{Rename: map[string]string{"card_number": "account_number", "cvv": "security_code",
//		"card_holder": "cardholder_name", "expiry": "", "expiry_year_short": "", "last_four": "", "card_type": ""},
//		WrapIn: "result", Wrap: map[string]string{"action": "tokenize_card"}}
//
// sends {"action": "tokenize_card", "result": {"account_number": …, …}}.
// Callbacks still see the body in the form's own names, without the card
// number and security code.
type BodyShape struct {
	// Rename maps a field of the body to the name to send; a field mapped
	// to "" is not sent. nil renames nothing.
	Rename map[string]string
	// WrapIn, when not empty, sends the body as this member of an object
	// whose other members are Wrap.
	WrapIn string
	Wrap   map[string]string
}

//go:embed assets
var assets embed.FS

// page holds the parsed templates and the style sheet and script every
// page embeds. Parsing per response costs little and keeps the package
// free of mutable state.
type page struct {
	t      *template.Template
	css    template.CSS
	script template.JS
	// card is the card input helpers (assets/card.js) the pages' scripts use.
	card template.JS
}

// loadPage parses the embedded templates and reads the embedded assets.
func loadPage() (page, error) {
	t, err := template.ParseFS(assets, "assets/*.html")
	if err != nil {
		return page{}, err
	}
	css, err := assets.ReadFile("assets/form.css")
	if err != nil {
		return page{}, err
	}
	js, err := assets.ReadFile("assets/form.js")
	if err != nil {
		return page{}, err
	}
	card, err := assets.ReadFile("assets/card.js")
	if err != nil {
		return page{}, err
	}
	return page{t: t, css: template.CSS(css), script: template.JS(js), card: template.JS(card)}, nil
}

// formView is what form.html renders.
type formView struct {
	Nonce     string
	Title     string
	Show      map[string]bool
	ExpiryRow bool
	Submit    string
	CSS       template.CSS
	Script    template.JS
	Card      template.JS
	OnSuccess template.JS
	OnError   template.JS
	Config    formScriptConfig
	Reference string
	// StyleLinks, Style and HideScheme are FormConfig's, checked.
	StyleLinks []string
	Style      template.CSS
	HideScheme bool
}

// formScriptConfig is the JSON the form's script reads from the page.
type formScriptConfig struct {
	SubmitURL    string                `json:"submitURL"`
	Headers      map[string]string     `json:"headers"`
	SecretParam  string                `json:"secretParam,omitempty"`
	SecretHeader string                `json:"secretHeader,omitempty"`
	Reference    string                `json:"reference,omitempty"`
	Extra        map[string]string     `json:"extra"`
	Validate     map[string]bool       `json:"validate"`
	Origins      []string              `json:"origins"`
	MessageType  string                `json:"messageType"`
	Schemes      []schemeRange         `json:"schemes"`
	SchemeInfo   map[string]schemeInfo `json:"schemeInfo"`
	Busy         string                `json:"busy"`
	Rename       map[string]string     `json:"rename,omitempty"`
	WrapIn       string                `json:"wrapIn,omitempty"`
	Wrap         map[string]string     `json:"wrap,omitempty"`
}

// RenderForm writes the capture form with status 200 and its security
// headers. It refuses (before writing anything) a config without a nonce,
// fields or a same-origin SubmitURL, with a callback that CheckCallback
// refuses, or with AllowedOrigins that are not serialised origins.
func RenderForm(w http.ResponseWriter, c FormConfig) error {
	page, policy, err := renderForm(c)
	if err != nil {
		return err
	}
	setPageHeaders(w, policy)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(page)
	return err
}

// renderForm builds the page and its policy.
func renderForm(c FormConfig) ([]byte, string, error) {
	origins, err := styleOrigins(c.StyleLinks)
	if err != nil {
		return nil, "", err
	}
	if err := CheckStyle(c.Style); err != nil {
		return nil, "", errors.New("web: style " + err.Error())
	}
	policy, err := policy(c.Nonce, framers(c.AllowedOrigins, c.FramedByAnyHTTPS), origins, c.Sandbox)
	if err != nil {
		return nil, "", err
	}
	if !strings.HasPrefix(c.SubmitURL, "/") || strings.HasPrefix(c.SubmitURL, "//") || strings.ContainsAny(c.SubmitURL, "\\\r\n") {
		return nil, "", errors.New("web: SubmitURL must be a same-origin path")
	}
	if c.SecretParam != "" && c.SecretHeader == "" {
		return nil, "", errors.New("web: SecretParam needs SecretHeader")
	}
	p, err := loadPage()
	if err != nil {
		return nil, "", err
	}
	v := formView{Nonce: c.Nonce, Title: c.Title, Show: map[string]bool{}, Reference: c.Reference,
		CSS: p.css, Script: p.script, Card: p.card, StyleLinks: c.StyleLinks, Style: template.CSS(c.Style), HideScheme: c.HideScheme,
		Config: formScriptConfig{SubmitURL: c.SubmitURL, Headers: c.Headers, SecretParam: c.SecretParam,
			SecretHeader: c.SecretHeader, Reference: c.Reference, Extra: c.Extra, Validate: map[string]bool{},
			Origins: c.AllowedOrigins, MessageType: MessageType, Schemes: schemeRanges, SchemeInfo: schemeInfos,
			Rename: c.Body.Rename, WrapIn: c.Body.WrapIn, Wrap: c.Body.Wrap}}
	if v.Title == "" {
		v.Title = "Card details"
	}
	for _, f := range c.Fields {
		if !slices.Contains(fieldOrder, f.Name) {
			return nil, "", fmt.Errorf("web: unknown field %q", f.Name)
		}
		v.Show[f.Name] = true
		v.Config.Validate[f.Name] = f.Validate
	}
	if len(v.Show) == 0 {
		return nil, "", errors.New("web: a form needs at least one field")
	}
	v.ExpiryRow = v.Show[FieldExpiry] || v.Show[FieldCVV]
	v.Submit, v.Config.Busy = "Update card", "Updating…"
	switch {
	case v.Show[FieldCardNumber]:
		v.Submit, v.Config.Busy = "Save card", "Saving…"
	case v.Show[FieldAccountNumber]:
		v.Submit, v.Config.Busy = "Save account", "Saving…"
	}
	if v.Title == "Card details" && (v.Show[FieldAccountNumber] || v.Show[FieldRoutingNumber]) {
		v.Title = "Bank account details"
	}
	if v.Config.Headers == nil {
		v.Config.Headers = map[string]string{}
	}
	if v.Config.Extra == nil {
		v.Config.Extra = map[string]string{}
	}
	if v.Config.Origins == nil {
		v.Config.Origins = []string{}
	}
	for _, cb := range []struct {
		src string
		dst *template.JS
	}{{c.SuccessCallback, &v.OnSuccess}, {c.ErrorCallback, &v.OnError}} {
		if cb.src == "" {
			continue
		}
		if err := CheckCallback(cb.src); err != nil {
			return nil, "", err
		}
		js, err := embedScript(cb.src)
		if err != nil {
			return nil, "", err
		}
		*cb.dst = template.JS(js)
	}
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, "form.html", v); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), policy, nil
}
