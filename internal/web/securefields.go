package web

import (
	"bytes"
	"errors"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Gr4vy Secure Fields frames. Gr4vy's browser library (@gr4vy/secure-fields)
// loads two kinds of page from the origin a merchant's page names in
// window.SECURE_FIELDS_FRAME_URL: one input frame per card field
// (input.html) and one hidden controller frame (controller.html) that
// submits the card to the checkout session. The pages here speak the
// library's message protocol (channel "secure-fields") with the merchant's
// page, and a protocol of their own between the frames, which share the
// vault's origin: the card data never leaves the vault's origin except in
// the controller's same-origin request to the vault.

// The fields of Gr4vy's Secure Fields a field frame can be.
const (
	SecureFieldNumber       = "number"
	SecureFieldExpiryDate   = "expiryDate"
	SecureFieldSecurityCode = "securityCode"
	SecureFieldPostalCode   = "postalCode"
)

// secureFieldTypes lists the field types, in the order a form shows them.
var secureFieldTypes = []string{SecureFieldNumber, SecureFieldExpiryDate, SecureFieldSecurityCode, SecureFieldPostalCode}

// IsSecureFieldType reports whether t names a Secure Fields field type.
func IsSecureFieldType(t string) bool { return slices.Contains(secureFieldTypes, t) }

// secureFieldLabels are the accessible names of the fields when the page
// gives none (the library sends its own defaults with its first message).
var secureFieldLabels = map[string]string{SecureFieldNumber: "Card number", SecureFieldExpiryDate: "Expiry date",
	SecureFieldSecurityCode: "Security code", SecureFieldPostalCode: "Postal code"}

// SecureFieldConfig describes one field frame. Every field documents its
// zero value.
type SecureFieldConfig struct {
	// Nonce is this response's CSP nonce, from NewNonce. Required.
	Nonce string
	// ParentOrigin is the serialised origin of the page that frames the
	// field (the library's parentOrigin): the only origin that may frame
	// it (CSP frame-ancestors), send it settings and receive its events.
	// Required.
	ParentOrigin string
	// Type is one of the SecureField* constants. Required.
	Type string
	// Scheme is the card scheme of a stored payment method whose security
	// code the field takes (the library's paymentMethodScheme, Gr4vy's
	// names: visa, mastercard, amex, …); empty means the scheme comes from
	// the number field, or, without one, 3 or 4 digits are accepted.
	Scheme string
}

// SecureControllerConfig describes the controller frame. Every field
// documents its zero value.
type SecureControllerConfig struct {
	// Nonce and ParentOrigin are as in SecureFieldConfig. Required.
	Nonce        string
	ParentOrigin string
	// FieldsURL is the same-origin path of the checkout session's fields
	// (PUT /checkout/sessions/{id}/fields). Required.
	FieldsURL string
	// PaymentMethodID, when set, is the stored card whose security code
	// the form takes (method "id"); empty submits a new card.
	PaymentMethodID string
}

// secureView is what the Secure Fields templates render.
type secureView struct {
	Nonce, Type, Label, Title string
	Number, Expiry, Code      bool
	CSS                       template.CSS
	Script, Card              template.JS
	Config                    any
}

// secureFieldScript is the JSON a field frame's script reads.
type secureFieldScript struct {
	ParentOrigin string                `json:"parentOrigin"`
	Type         string                `json:"type"`
	Label        string                `json:"label"`
	Scheme       string                `json:"scheme,omitempty"`
	Schemes      []schemeRange         `json:"schemes"`
	SchemeInfo   map[string]schemeInfo `json:"schemeInfo"`
	Gr4vyNames   map[string]string     `json:"gr4vyNames"`
	CodeLabels   map[string]string     `json:"codeLabels"`
}

// secureControllerScript is the JSON the controller's script reads.
type secureControllerScript struct {
	ParentOrigin    string `json:"parentOrigin"`
	FieldsURL       string `json:"fieldsURL"`
	PaymentMethodID string `json:"paymentMethodId,omitempty"`
}

// gr4vyNames are Gr4vy's names of the schemes the form's table names.
var gr4vyNames = map[string]string{"visa": "visa", "mastercard": "mastercard", "american express": "amex",
	"discover": "discover", "diners club": "diners-club", "jcb": "jcb", "unionpay": "unionpay", "maestro": "maestro"}

// codeLabels name each scheme's security code, as the library's input
// events report it (codeLabel).
var codeLabels = map[string]string{"visa": "CVV", "mastercard": "CVC", "american express": "CID",
	"discover": "CID", "diners club": "CVV", "jcb": "CVV", "unionpay": "CVN", "maestro": "CVC"}

// RenderSecureField writes a field frame with status 200 and the page
// security headers, framed only by c.ParentOrigin. It refuses, before
// writing anything, a config without a nonce, with an unknown type or with
// a parent origin that is not a serialised origin.
func RenderSecureField(w http.ResponseWriter, c SecureFieldConfig) error {
	if !IsSecureFieldType(c.Type) {
		return errors.New("web: unknown Secure Fields field type")
	}
	if c.Scheme != "" && !slices.Contains(slices.Collect(maps.Values(gr4vyNames)), c.Scheme) {
		return errors.New("web: unknown card scheme")
	}
	label := secureFieldLabels[c.Type]
	v := secureView{Nonce: c.Nonce, Type: c.Type, Label: label, Title: label,
		Config: secureFieldScript{ParentOrigin: c.ParentOrigin, Type: c.Type, Label: label, Scheme: c.Scheme,
			Schemes: schemeRanges, SchemeInfo: schemeInfos, Gr4vyNames: gr4vyNames, CodeLabels: codeLabels}}
	v.Number, v.Expiry, v.Code = c.Type == SecureFieldNumber, c.Type == SecureFieldExpiryDate, c.Type == SecureFieldSecurityCode
	return renderSecure(w, c.Nonce, c.ParentOrigin, "securefields-input.html", "assets/securefields-input.js", v)
}

// RenderSecureController writes the controller frame with status 200 and
// the page security headers, framed only by c.ParentOrigin. It refuses,
// before writing anything, a config without a nonce, a same-origin
// FieldsURL or a serialised parent origin.
func RenderSecureController(w http.ResponseWriter, c SecureControllerConfig) error {
	if !strings.HasPrefix(c.FieldsURL, "/") || strings.HasPrefix(c.FieldsURL, "//") || strings.ContainsAny(c.FieldsURL, "\\\r\n") {
		return errors.New("web: FieldsURL must be a same-origin path")
	}
	v := secureView{Nonce: c.Nonce, Title: "Secure Fields",
		Config: secureControllerScript{ParentOrigin: c.ParentOrigin, FieldsURL: c.FieldsURL, PaymentMethodID: c.PaymentMethodID}}
	return renderSecure(w, c.Nonce, c.ParentOrigin, "securefields-controller.html", "assets/securefields-controller.js", v)
}

// renderSecure renders one Secure Fields page with its script and writes it.
func renderSecure(w http.ResponseWriter, nonce, parent, name, script string, v secureView) error {
	if !originRE.MatchString(parent) {
		return errors.New("web: the parent origin is not a serialised origin")
	}
	policy, err := Policy(nonce, []string{parent})
	if err != nil {
		return err
	}
	p, err := loadPage()
	if err != nil {
		return err
	}
	css, err := assets.ReadFile("assets/securefields.css")
	if err != nil {
		return err
	}
	js, err := assets.ReadFile(script)
	if err != nil {
		return err
	}
	v.CSS, v.Script, v.Card = template.CSS(css), template.JS(js), p.card
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, name, v); err != nil {
		return err
	}
	setPageHeaders(w, policy)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(buf.Bytes())
	return err
}
