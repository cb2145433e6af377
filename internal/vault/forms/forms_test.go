package forms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestFormLifecycle(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	if _, err := svc.Vault.CreateTenant(ctx, "other", "Other"); err != nil {
		t.Fatal(err)
	}
	cb := "function(responseData, requestData) { window.location.replace('/done?ref=' + responseData.reference); }"
	f, err := svc.dom.CreateForm(ctx, vault.DefaultTenant, forms.FormInput{
		Fields: map[forms.FormField]forms.FieldOptions{
			forms.FormCardNumber: {}, forms.FormCardHolder: {}, forms.FormExpiry: {}, forms.FormReference: {},
		},
		SuccessCallback: cb,
		AllowedOrigins:  []string{"HTTPS://Shop.Example:443/", "http://localhost:8081", "https://shop.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.ID) != 22 || f.Type != forms.FormTypePCD || f.Tenant != vault.DefaultTenant {
		t.Errorf("created %+v", f)
	}
	if got := f.AllowedOrigins; len(got) != 2 || got[0] != "https://shop.example" || got[1] != "http://localhost:8081" {
		t.Errorf("origins normalised to %q", got)
	}
	for _, name := range forms.FormFields {
		if want := name == forms.FormCVV; f.Visible(name) != want {
			t.Errorf("field %s visible=%v", name, f.Visible(name))
		}
	}

	got, err := svc.dom.FormByID(ctx, f.ID)
	if err != nil || got.SuccessCallback != cb || got.Tenant != vault.DefaultTenant || !got.Visible(forms.FormCVV) || got.Visible(forms.FormCardNumber) {
		t.Fatalf("FormByID: %+v %v", got, err)
	}
	if _, err := svc.dom.Form(ctx, "other", f.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("another tenant read the form: %v", err)
	}
	list, err := svc.dom.ListForms(ctx, vault.DefaultTenant, vault.Page{Limit: 10})
	if err != nil || len(list) != 1 || list[0].ID != f.ID {
		t.Errorf("list: %+v %v", list, err)
	}
	if list, _ := svc.dom.ListForms(ctx, "other", vault.Page{Limit: 10}); len(list) != 0 {
		t.Errorf("another tenant lists %d forms", len(list))
	}

	// The store sees neither the callback nor the origins: the
	// configuration is sealed, and bound to its record.
	r, err := svc.Store.GetRecord(ctx, vault.KindForm, f.ID, svc.Vault.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(r.Data), "location") || strings.Contains(string(r.Data), "shop.example") {
		t.Errorf("form stored in the clear: %q", r.Data)
	}
	r.Tenant = "other"
	if err := svc.Store.DeleteRecord(ctx, vault.DefaultTenant, vault.KindForm, f.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.Store.CreateRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.dom.FormByID(ctx, f.ID); err == nil {
		t.Errorf("a form moved to another tenant in the store still opens")
	}
	if err := svc.dom.DeleteForm(ctx, "other", f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.dom.FormByID(ctx, f.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("deleted form: %v", err)
	}
	if err := svc.dom.DeleteForm(ctx, "other", f.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("deleting twice: %v", err)
	}
}

func TestFormChosenIDAndBuiltin(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	if _, err := svc.dom.CreateForm(ctx, vault.DefaultTenant, forms.FormInput{ID: "checkout-cvv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.dom.CreateForm(ctx, vault.DefaultTenant, forms.FormInput{ID: "checkout-cvv"}); vault.CodeOf(err) != vault.CodeConflict {
		t.Errorf("duplicate id: %v", err)
	}
	for _, id := range []string{"pcd", "ach", "a b", "x", strings.Repeat("a", 65)} {
		if _, err := svc.dom.CreateForm(ctx, vault.DefaultTenant, forms.FormInput{ID: id}); vault.CodeOf(err) != vault.CodeInvalid {
			t.Errorf("id %q: %v", id, err)
		}
	}
	f, err := svc.dom.FormByID(ctx, "pcd")
	if err != nil || !f.Builtin || f.Tenant != "" {
		t.Fatalf("built-in pcd: %+v %v", f, err)
	}
	for _, name := range forms.FormFields {
		if !f.Visible(name) || !f.Fields[name].Validate {
			t.Errorf("built-in form hides or skips %s", name)
		}
	}
	if _, err := svc.dom.Form(ctx, vault.DefaultTenant, "pcd"); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("the built-in form is no tenant's: %v", err)
	}
	if err := svc.dom.DeleteForm(ctx, vault.DefaultTenant, "pcd"); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("deleting the built-in form: %v", err)
	}
}

func TestFormValidation(t *testing.T) {
	svc := newEnv(t)
	hidden := forms.FieldOptions{}
	cases := []struct {
		name  string
		in    forms.FormInput
		field string
	}{
		{"unknown type", forms.FormInput{Type: "custom"}, "form_type"},
		{"card field on a bank account form", forms.FormInput{Type: forms.FormTypeACH, Fields: map[forms.FormField]forms.FieldOptions{forms.FormCVV: {Visible: true}}}, "field_options"},
		{"unknown field", forms.FormInput{Fields: map[forms.FormField]forms.FieldOptions{"pin": {Visible: true}}}, "field_options"},
		{"nothing visible", forms.FormInput{Fields: map[forms.FormField]forms.FieldOptions{
			forms.FormCardNumber: hidden, forms.FormCardHolder: hidden, forms.FormExpiry: hidden, forms.FormCVV: hidden, forms.FormReference: hidden}}, "field_options"},
		{"huge callback", forms.FormInput{SuccessCallback: strings.Repeat("x", forms.MaxFormScript+1)}, "success_callback"},
		{"binary callback", forms.FormInput{ErrorCallback: "\xff\xfe"}, "error_callback"},
		{"title with newline", forms.FormInput{Title: "a\nb"}, "title"},
		{"long title", forms.FormInput{Title: strings.Repeat("t", forms.MaxFormTitle+1)}, "title"},
		{"too many origins", forms.FormInput{AllowedOrigins: strings.Split(strings.Repeat("https://a.example,", vault.MaxFormOrigins+1), ",")}, "allowed_origins"},
		{"bad origin", forms.FormInput{AllowedOrigins: []string{"https://ok.example", "ftp://x.example"}}, "allowed_origins"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.dom.CreateForm(context.Background(), vault.DefaultTenant, c.in)
			e := vault.AsError(err)
			if err == nil || e.Code != vault.CodeInvalid || e.Field != c.field {
				t.Fatalf("got %v, want invalid %s", err, c.field)
			}
		})
	}
	_, err := svc.dom.CreateForm(context.Background(), vault.DefaultTenant, forms.FormInput{Type: "4111111111111111"})
	if err == nil || strings.Contains(err.Error(), "4111111111111111") {
		t.Errorf("an unknown type that looks like a card number is echoed: %v", err)
	}
}

func TestFormIDNotReusedAfterDelete(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	if _, err := svc.Vault.CreateTenant(ctx, "other", "Other"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.dom.CreateForm(ctx, vault.DefaultTenant, forms.FormInput{ID: "checkout"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.dom.DeleteForm(ctx, vault.DefaultTenant, "checkout"); err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []string{vault.DefaultTenant, "other"} {
		_, err := svc.dom.CreateForm(ctx, tenant, forms.FormInput{ID: "checkout", SuccessCallback: "function(){}"})
		if e := vault.AsError(err); err == nil || e.Code != vault.CodeConflict || e.Field != "form_id" {
			t.Errorf("tenant %s re-created the deleted form's id: %v", tenant, err)
		}
	}
	if _, err := svc.dom.FormByID(ctx, "checkout"); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("the deleted form serves: %v", err)
	}
	r, err := svc.Store.GetRecord(ctx, vault.KindFormTombstone, "checkout", svc.Vault.Now())
	if err != nil || r.Tenant != vault.DefaultTenant {
		t.Fatalf("tombstone: %+v %v", r, err)
	}
	if list, err := svc.dom.ListForms(ctx, vault.DefaultTenant, vault.Page{Limit: 10}); err != nil || len(list) != 0 {
		t.Errorf("list after delete: %+v %v", list, err)
	}
	if err := svc.dom.DeleteForm(ctx, vault.DefaultTenant, "checkout"); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("deleting twice: %v", err)
	}
	if _, err := svc.dom.CreateForm(ctx, vault.DefaultTenant, forms.FormInput{ID: "checkout-2"}); err != nil {
		t.Errorf("another id: %v", err)
	}
}

// env is a vault core with the forms domain on it.
type env struct {
	*vaulttest.Core
	dom *forms.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	t.Parallel()
	c := vaulttest.NewCore(t, vault.Options{})
	return &env{Core: c, dom: forms.New(c.Vault)}
}
