package forms

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// formIDLen is the length of generated form ids (as long as PCI Vault's).
const formIDLen = 22

// formIDPattern is what a caller-chosen form id may look like: it becomes
// part of a URL path.
var formIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{3,64}$`)

// builtinForms are the form ids that serve without being created, as at
// PCI Vault; "ach" and "custom" are reserved but not served.
var builtinForms = []string{FormTypePCD, FormTypeACH, "custom"}

// formData is a form record's value.
type formData struct {
	Type            string                     `json:"type"`
	Fields          map[FormField]FieldOptions `json:"fields"`
	SuccessCallback string                     `json:"success_callback,omitempty"`
	ErrorCallback   string                     `json:"error_callback,omitempty"`
	AllowedOrigins  []string                   `json:"allowed_origins,omitempty"`
	Title           string                     `json:"title,omitempty"`
	Style           Style                      `json:"style"`
}

// formRecords are the forms.
var formRecords = vault.NewRecordType[formData](vault.KindForm, 1, nil, nil)

// Service keeps hosted form configurations. It is safe for concurrent use.
type Service struct {
	v *vault.Service
}

// New returns the forms domain over the vault core v.
func New(v *vault.Service) *Service { return &Service{v: v} }

// CreateForm validates and stores a hosted form configuration for the
// tenant. Its configuration is sealed under the tenant's data key, so the
// store can neither read nor change the script the form will run. The id
// of a form that exists or was deleted (see FormTombstoneKind) is a
// conflict.
func (s *Service) CreateForm(ctx context.Context, tenant string, in FormInput) (Form, error) {
	f, err := newForm(in)
	if err != nil {
		return Form{}, err
	}
	f.Tenant, f.CreatedAt = tenant, s.v.Now()
	if f.ID == "" {
		f.ID = seal.RandomID(formIDLen)
	}
	err = s.v.Tx(ctx, func(tx *vault.Service) error {
		if err := checkFormIDFree(ctx, tx, f.ID); err != nil {
			return err
		}
		_, err := formRecords.Put(ctx, tx, vault.Stored[formData]{Tenant: tenant, ID: f.ID, CreatedAt: f.CreatedAt,
			Value: formData{Type: f.Type, Fields: f.Fields, SuccessCallback: f.SuccessCallback,
				ErrorCallback: f.ErrorCallback, AllowedOrigins: f.AllowedOrigins, Title: f.Title, Style: f.Style}})
		return err
	})
	if errors.Is(err, vault.ErrConflict) {
		return Form{}, &vault.Error{Code: vault.CodeConflict, Field: "form_id", Public: "a form with this id exists", Err: err}
	}
	if err != nil {
		return Form{}, err
	}
	return f, nil
}

// newForm validates in and fills in defaults.
func newForm(in FormInput) (Form, error) {
	f := Form{ID: in.ID, Type: in.Type, SuccessCallback: in.SuccessCallback, ErrorCallback: in.ErrorCallback,
		Title: strings.TrimSpace(in.Title), Fields: map[FormField]FieldOptions{}, Style: in.Style}
	if len(in.Style.CSSLinks) > MaxFormCSSLinks {
		return Form{}, vault.Invalid("css_links", "at most %d css_links", MaxFormCSSLinks)
	}
	for _, l := range in.Style.CSSLinks {
		if len(l) > MaxFormCSSLink || !utf8.ValidString(l) {
			return Form{}, vault.Invalid("css_links", "each css_links entry must be at most %d bytes of text", MaxFormCSSLink)
		}
	}
	if len(in.Style.EmbeddedCSS) > MaxFormCSS || !utf8.ValidString(in.Style.EmbeddedCSS) {
		return Form{}, vault.Invalid("embedded_css", "embedded_css must be at most %d bytes of UTF-8 text once decoded", MaxFormCSS)
	}
	if f.Type == "" {
		f.Type = FormTypePCD
	}
	if f.Type != FormTypePCD && f.Type != FormTypeACH {
		return Form{}, vault.Invalid("form_type", "form_type %q is not supported; cardvault serves %q and %q forms", formClip(f.Type, 40), FormTypePCD, FormTypeACH)
	}
	if f.ID != "" && (!formIDPattern.MatchString(f.ID) || slices.Contains(builtinForms, f.ID)) {
		return Form{}, vault.Invalid("form_id", "form_id must be 3 to 64 letters, digits, '-' or '_', and not a built-in form name")
	}
	for name := range in.Fields {
		if !slices.Contains(FieldsOf(f.Type), name) {
			return Form{}, vault.Invalid("field_options", "unknown field %q in field_options of a %s form (known: %s)", formClip(string(name), 40), f.Type, formFieldNames(f.Type))
		}
	}
	visible := false
	for _, name := range FieldsOf(f.Type) {
		o, ok := in.Fields[name]
		if !ok {
			o = FieldOptions{Visible: true, Validate: true}
		}
		f.Fields[name] = o
		visible = visible || o.Visible
	}
	if !visible {
		return Form{}, vault.Invalid("field_options", "at least one field must be visible")
	}
	for name, js := range map[string]string{"success_callback": f.SuccessCallback, "error_callback": f.ErrorCallback} {
		if len(js) > MaxFormScript {
			return Form{}, vault.Invalid(name, "%s must be at most %d bytes once decoded", name, MaxFormScript)
		}
		if !utf8.ValidString(js) {
			return Form{}, vault.Invalid(name, "%s must be UTF-8 text once decoded", name)
		}
	}
	if len(f.Title) > MaxFormTitle || !utf8.ValidString(f.Title) || strings.ContainsFunc(f.Title, formControl) {
		return Form{}, vault.Invalid("title", "title must be at most %d bytes of printable text", MaxFormTitle)
	}
	if len(in.AllowedOrigins) > vault.MaxFormOrigins {
		return Form{}, vault.Invalid("allowed_origins", "at most %d allowed origins", vault.MaxFormOrigins)
	}
	for i, o := range in.AllowedOrigins {
		norm, err := vault.ParseFormOrigin(o)
		if err != nil {
			return Form{}, vault.Invalid("allowed_origins", "allowed_origins[%d]: %s", i, vault.AsError(err).Public)
		}
		if !slices.Contains(f.AllowedOrigins, norm) {
			f.AllowedOrigins = append(f.AllowedOrigins, norm)
		}
	}
	return f, nil
}

// Form returns one of the tenant's forms.
func (s *Service) Form(ctx context.Context, tenant, id string) (Form, error) {
	if !formIDPattern.MatchString(id) || slices.Contains(builtinForms, id) {
		return Form{}, errFormNotFound
	}
	r, err := formRecords.Get(ctx, s.v, tenant, id)
	if errors.Is(err, vault.ErrNotFound) {
		return Form{}, errFormNotFound
	}
	if err != nil {
		return Form{}, err
	}
	return formOf(r), nil
}

// FormByID returns any tenant's form, or a built-in one, for serving it to
// a browser; the caller checks that the capture endpoint it is used with
// belongs to the same tenant (built-in forms go with every tenant).
func (s *Service) FormByID(ctx context.Context, id string) (Form, error) {
	if id == FormTypePCD || id == FormTypeACH {
		return BuiltinForm(id), nil
	}
	if !formIDPattern.MatchString(id) {
		return Form{}, errFormNotFound
	}
	r, err := formRecords.GetAnyTenant(ctx, s.v, id)
	if errors.Is(err, vault.ErrNotFound) {
		return Form{}, errFormNotFound
	}
	if err != nil {
		return Form{}, err
	}
	return formOf(r), nil
}

// BuiltinForm returns the form that serves under the id of a form type
// without being created: every field visible and validated, no callbacks.
func BuiltinForm(formType string) Form {
	f := Form{ID: formType, Type: formType, Builtin: true, Fields: map[FormField]FieldOptions{}}
	for _, name := range FieldsOf(formType) {
		f.Fields[name] = FieldOptions{Visible: true, Validate: true}
	}
	return f
}

// ListForms pages through the tenant's forms in id order.
func (s *Service) ListForms(ctx context.Context, tenant string, p vault.Page) ([]Form, error) {
	rs, err := formRecords.List(ctx, s.v, tenant, "", p)
	if err != nil {
		return nil, err
	}
	out := make([]Form, 0, len(rs))
	for _, r := range rs {
		out = append(out, formOf(r))
	}
	return out, nil
}

// DeleteForm removes one of the tenant's forms and leaves a tombstone, so
// that its id is never reused; pages already loaded keep working until
// they submit, as the capture endpoint decides that.
func (s *Service) DeleteForm(ctx context.Context, tenant, id string) error {
	if !formIDPattern.MatchString(id) {
		return errFormNotFound
	}
	err := s.v.Tx(ctx, func(tx *vault.Service) error {
		if err := formRecords.Delete(ctx, tx, tenant, id); err != nil {
			return err
		}
		return buryForm(ctx, tx, tenant, id)
	})
	if errors.Is(err, vault.ErrNotFound) {
		return errFormNotFound
	}
	return err
}

// errFormNotFound answers every lookup of a form that the caller cannot see.
var errFormNotFound = &vault.Error{Code: vault.CodeNotFound, Public: "form not found"}

// formOf is the form a record holds.
func formOf(r vault.Stored[formData]) Form {
	d := r.Value
	return Form{ID: r.ID, Tenant: r.Tenant, Type: d.Type, Fields: d.Fields, SuccessCallback: d.SuccessCallback,
		ErrorCallback: d.ErrorCallback, AllowedOrigins: d.AllowedOrigins, Title: d.Title, Style: d.Style,
		CreatedAt: r.CreatedAt.UTC()}
}

// formFieldNames lists the known field names for error messages.
func formFieldNames(formType string) string {
	fields := FieldsOf(formType)
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// formClip shortens caller input quoted in an error message, and hides it
// altogether when it holds enough digits to be a card number.
func formClip(s string, n int) string {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits >= 12 {
		return "[redacted]"
	}
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// formControl reports control characters, which have no place in a title.
func formControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
