package forms

import "time"

// FormTypePCD is the payment card form, the only form type cardvault
// serves. PCI Vault also knows "ach" and "custom".
const FormTypePCD = "pcd"

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

// FormFields lists every form field in the order a form shows them.
var FormFields = []FormField{FormCardNumber, FormExpiry, FormCVV, FormCardHolder, FormReference}

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
)

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
	CreatedAt      time.Time
	// Builtin is true for the forms that exist without being created
	// ("pcd"); they belong to no tenant.
	Builtin bool
}

// Visible reports whether the form shows field f.
func (f Form) Visible(field FormField) bool { return f.Fields[field].Visible }
