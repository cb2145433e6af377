package forms

import "time"

// The form types cardvault serves: the payment card form and the bank
// account (ACH) form. PCI Vault also knows "custom" (the caller's script),
// which is refused.
const (
	FormTypePCD = "pcd"
	FormTypeACH = "ach"
)

// FormField names an input of a hosted form.
type FormField string

// The inputs of a payment card form, named as in PCI Vault's field_options.
const (
	FormCardNumber FormField = "card_number"
	FormCardHolder FormField = "card_holder"
	FormExpiry     FormField = "expiry"
	FormCVV        FormField = "cvv"
	FormReference  FormField = "reference"
)

// The inputs of a bank account (ACH) form, named as PCI Vault's ACH form
// posts them.
const (
	FormAccountHolder FormField = "account_holder"
	FormRoutingNumber FormField = "routing_number"
	FormAccountNumber FormField = "account_number"
	FormAccountType   FormField = "account_type"
)

// FormFields lists every field of a card form in the order it shows them.
var FormFields = []FormField{FormCardNumber, FormExpiry, FormCVV, FormCardHolder, FormReference}

// ACHFields lists every field of a bank account form in the order it
// shows them.
var ACHFields = []FormField{FormAccountHolder, FormRoutingNumber, FormAccountNumber, FormAccountType, FormReference}

// FieldsOf returns the fields of a form type (FormFields for any type
// but FormTypeACH).
func FieldsOf(formType string) []FormField {
	if formType == FormTypeACH {
		return ACHFields
	}
	return FormFields
}

// FieldOptions configure one input of a form.
type FieldOptions struct {
	// Visible renders the input; a hidden input is not in the page at all.
	Visible bool `json:"visible"`
	// Validate checks the input in the browser before sending (Luhn and
	// length for the number, a future month for the expiry, digits for
	// the security code).
	Validate bool `json:"validate"`
}

// Limits on form configurations.
const (
	// MaxFormScript bounds each decoded callback, in bytes.
	MaxFormScript = 16 << 10
	// MaxFormTitle bounds the title shown above a form, in bytes.
	MaxFormTitle = 100
	// MaxFormCSSLinks bounds a form's style sheet links; MaxFormCSSLink
	// each link, in bytes.
	MaxFormCSSLinks = 5
	MaxFormCSSLink  = 2048
	// MaxFormCSS bounds a form's embedded style sheet, in bytes.
	MaxFormCSS = 64 << 10
)

// Style is how a form looks beyond its fields (PCI Vault's css_links,
// embedded_css and hide_card). The caller checks that the links and the
// style sheet can be put in a page (the hosted form facade uses
// web.CheckStyleLink and web.CheckStyle).
type Style struct {
	// CSSLinks are https style sheets the page loads after its own.
	CSSLinks []string `json:"css_links,omitempty"`
	// EmbeddedCSS is a style sheet embedded after the page's own.
	EmbeddedCSS string `json:"embedded_css,omitempty"`
	// HideCard hides the card scheme badge.
	HideCard bool `json:"hide_card,omitempty"`
}

// FormInput describes a form to create.
type FormInput struct {
	// ID, when not empty, is the caller's choice of id (PCI Vault's
	// form_id); otherwise one is generated.
	ID string
	// Type is the form type; only FormTypePCD is supported.
	Type string
	// Fields holds the options given per field; a field not given is
	// visible and validated.
	Fields map[FormField]FieldOptions
	// SuccessCallback and ErrorCallback are JavaScript function
	// expressions, function(responseData, requestData), already decoded
	// from base64. The caller checks that each can be embedded in a page
	// as one plain function expression (the hosted form facade uses
	// web.CheckCallback).
	SuccessCallback string
	ErrorCallback   string
	// AllowedOrigins may frame the form; empty means only the vault itself.
	AllowedOrigins []string
	// Title is shown above the form; empty picks a default.
	Title string
	// Style is the form's own look; the zero value is the page's own.
	Style Style
}

// Form is a stored hosted form configuration.
type Form struct {
	ID     string
	Tenant string
	Type   string
	// Fields holds the options of every field in FormFields.
	Fields          map[FormField]FieldOptions
	SuccessCallback string
	ErrorCallback   string
	// AllowedOrigins are normalised origins (scheme://host[:port]).
	AllowedOrigins []string
	Title          string
	Style          Style
	CreatedAt      time.Time
	// Builtin is true for the forms that exist without being created
	// ("pcd"); they belong to no tenant.
	Builtin bool
}

// Visible reports whether the form shows field f.
func (f Form) Visible(field FormField) bool { return f.Fields[field].Visible }
