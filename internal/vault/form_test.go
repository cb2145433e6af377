package vault_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

func TestFormLifecycle(t *testing.T) {
	svc, store, _, _ := newService(t)
	ctx := context.Background()
	if _, err := svc.CreateTenant(ctx, "other", "Other"); err != nil {
		t.Fatal(err)
	}
	cb := "function(responseData, requestData) { window.location.replace('/done?ref=' + responseData.reference); }"
	f, err := svc.CreateForm(ctx, vault.DefaultTenant, vault.FormInput{
		Fields: map[vault.FormField]vault.FieldOptions{
			vault.FormCardNumber: {}, vault.FormCardHolder: {}, vault.FormExpiry: {}, vault.FormReference: {},
		},
		SuccessCallback: cb,
		AllowedOrigins:  []string{"HTTPS://Shop.Example:443/", "http://localhost:8081", "https://shop.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.ID) != 22 || f.Type != vault.FormTypePCD || f.Tenant != vault.DefaultTenant {
		t.Errorf("created %+v", f)
	}
	if got := f.AllowedOrigins; len(got) != 2 || got[0] != "https://shop.example" || got[1] != "http://localhost:8081" {
		t.Errorf("origins normalised to %q", got)
	}
	for _, name := range vault.FormFields {
		if want := name == vault.FormCVV; f.Visible(name) != want {
			t.Errorf("field %s visible=%v", name, f.Visible(name))
		}
	}

	got, err := svc.FormByID(ctx, f.ID)
	if err != nil || got.SuccessCallback != cb || got.Tenant != vault.DefaultTenant || !got.Visible(vault.FormCVV) || got.Visible(vault.FormCardNumber) {
		t.Fatalf("FormByID: %+v %v", got, err)
	}
	if _, err := svc.Form(ctx, "other", f.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("another tenant read the form: %v", err)
	}
	list, err := svc.ListForms(ctx, vault.DefaultTenant, vault.Page{Limit: 10})
	if err != nil || len(list) != 1 || list[0].ID != f.ID {
		t.Errorf("list: %+v %v", list, err)
	}
	if list, _ := svc.ListForms(ctx, "other", vault.Page{Limit: 10}); len(list) != 0 {
		t.Errorf("another tenant lists %d forms", len(list))
	}

	// The store sees neither the callback nor the origins: the
	// configuration is sealed, and bound to its record.
	r, err := store.GetRecord(ctx, vault.FormKind, f.ID, svc.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(r.Data), "location") || strings.Contains(string(r.Data), "shop.example") {
		t.Errorf("form stored in the clear: %q", r.Data)
	}
	r.Tenant = "other"
	if err := store.DeleteRecord(ctx, vault.DefaultTenant, vault.FormKind, f.ID); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FormByID(ctx, f.ID); err == nil {
		t.Errorf("a form moved to another tenant in the store still opens")
	}
	if err := svc.DeleteForm(ctx, "other", f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FormByID(ctx, f.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("deleted form: %v", err)
	}
	if err := svc.DeleteForm(ctx, "other", f.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("deleting twice: %v", err)
	}
}

func TestFormChosenIDAndBuiltin(t *testing.T) {
	svc, _, _, _ := newService(t)
	ctx := context.Background()
	if _, err := svc.CreateForm(ctx, vault.DefaultTenant, vault.FormInput{ID: "checkout-cvv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateForm(ctx, vault.DefaultTenant, vault.FormInput{ID: "checkout-cvv"}); vault.CodeOf(err) != vault.CodeConflict {
		t.Errorf("duplicate id: %v", err)
	}
	for _, id := range []string{"pcd", "ach", "a b", "x", strings.Repeat("a", 65)} {
		if _, err := svc.CreateForm(ctx, vault.DefaultTenant, vault.FormInput{ID: id}); vault.CodeOf(err) != vault.CodeInvalid {
			t.Errorf("id %q: %v", id, err)
		}
	}
	f, err := svc.FormByID(ctx, "pcd")
	if err != nil || !f.Builtin || f.Tenant != "" {
		t.Fatalf("built-in pcd: %+v %v", f, err)
	}
	for _, name := range vault.FormFields {
		if !f.Visible(name) || !f.Fields[name].Validate {
			t.Errorf("built-in form hides or skips %s", name)
		}
	}
	if _, err := svc.Form(ctx, vault.DefaultTenant, "pcd"); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("the built-in form is no tenant's: %v", err)
	}
	if err := svc.DeleteForm(ctx, vault.DefaultTenant, "pcd"); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("deleting the built-in form: %v", err)
	}
}

func TestFormValidation(t *testing.T) {
	svc, _, _, _ := newService(t)
	hidden := vault.FieldOptions{}
	cases := []struct {
		name  string
		in    vault.FormInput
		field string
	}{
		{"unknown type", vault.FormInput{Type: "ach"}, "form_type"},
		{"unknown field", vault.FormInput{Fields: map[vault.FormField]vault.FieldOptions{"pin": {Visible: true}}}, "field_options"},
		{"nothing visible", vault.FormInput{Fields: map[vault.FormField]vault.FieldOptions{
			vault.FormCardNumber: hidden, vault.FormCardHolder: hidden, vault.FormExpiry: hidden, vault.FormCVV: hidden, vault.FormReference: hidden}}, "field_options"},
		{"huge callback", vault.FormInput{SuccessCallback: strings.Repeat("x", vault.MaxFormScript+1)}, "success_callback"},
		{"binary callback", vault.FormInput{ErrorCallback: "\xff\xfe"}, "error_callback"},
		{"title with newline", vault.FormInput{Title: "a\nb"}, "title"},
		{"long title", vault.FormInput{Title: strings.Repeat("t", vault.MaxFormTitle+1)}, "title"},
		{"too many origins", vault.FormInput{AllowedOrigins: strings.Split(strings.Repeat("https://a.example,", vault.MaxFormOrigins+1), ",")}, "allowed_origins"},
		{"bad origin", vault.FormInput{AllowedOrigins: []string{"https://ok.example", "ftp://x.example"}}, "allowed_origins"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.CreateForm(context.Background(), vault.DefaultTenant, c.in)
			e := vault.AsError(err)
			if err == nil || e.Code != vault.CodeInvalid || e.Field != c.field {
				t.Fatalf("got %v, want invalid %s", err, c.field)
			}
		})
	}
	_, err := svc.CreateForm(context.Background(), vault.DefaultTenant, vault.FormInput{Type: "4111111111111111"})
	if err == nil || strings.Contains(err.Error(), "4111111111111111") {
		t.Errorf("an unknown type that looks like a card number is echoed: %v", err)
	}
}

func TestParseFormOrigin(t *testing.T) {
	good := map[string]string{
		"https://shop.example":          "https://shop.example",
		"https://Shop.Example/":         "https://shop.example",
		"https://shop.example:443":      "https://shop.example",
		"http://shop.example:80":        "http://shop.example",
		"http://localhost:8081":         "http://localhost:8081",
		"http://127.0.0.1:9000":         "http://127.0.0.1:9000",
		"https://[::1]:8443":            "https://[::1]:8443",
		"https://xn--bcher-kva.example": "https://xn--bcher-kva.example",
	}
	for in, want := range good {
		got, err := vault.ParseFormOrigin(in)
		if err != nil || got != want {
			t.Errorf("ParseFormOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "shop.example", "ftp://shop.example", "https://*.shop.example", "https://shop.example/path",
		"https://shop.example?q", "https://shop.example#x", "https://user@shop.example", "https://shop.example:0",
		"https://shop.example:99999", "https://shop.example:", "https://shop example", "https://shop.example;x",
		"https://bücher.example", "https://-a.example", "https://[fe80::1%25eth0]", "javascript:alert(1)", "'self'",
		"https://a.example https://b.example", "https://shop.example:08080",
	} {
		if got, err := vault.ParseFormOrigin(in); err == nil {
			t.Errorf("ParseFormOrigin(%q) accepted as %q", in, got)
		}
	}
}

// FuzzParseFormOrigin checks that whatever ParseFormOrigin accepts is a
// fixed point and holds nothing that could end a CSP source list.
func FuzzParseFormOrigin(f *testing.F) {
	for _, s := range []string{"https://shop.example", "http://localhost:8081", "https://[::1]:1", "https://a;b", "https://a b", "https://a,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := vault.ParseFormOrigin(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(got, " ;,'\"\t\r\n*") || !(strings.HasPrefix(got, "https://") || strings.HasPrefix(got, "http://")) {
			t.Fatalf("ParseFormOrigin(%q) = %q", s, got)
		}
		again, err := vault.ParseFormOrigin(got)
		if err != nil || again != got {
			t.Fatalf("not a fixed point: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}

// A deleted form's id is never reused: a link handed out for it must not
// start serving another configuration (and its callbacks).
func TestFormIDNotReusedAfterDelete(t *testing.T) {
	svc, store, _, _ := newService(t)
	ctx := context.Background()
	if _, err := svc.CreateTenant(ctx, "other", "Other"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateForm(ctx, vault.DefaultTenant, vault.FormInput{ID: "checkout"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteForm(ctx, vault.DefaultTenant, "checkout"); err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []string{vault.DefaultTenant, "other"} {
		_, err := svc.CreateForm(ctx, tenant, vault.FormInput{ID: "checkout", SuccessCallback: "function(){}"})
		if e := vault.AsError(err); err == nil || e.Code != vault.CodeConflict || e.Field != "form_id" {
			t.Errorf("tenant %s re-created the deleted form's id: %v", tenant, err)
		}
	}
	if _, err := svc.FormByID(ctx, "checkout"); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("the deleted form serves: %v", err)
	}
	r, err := store.GetRecord(ctx, vault.FormTombstoneKind, "checkout", svc.Now())
	if err != nil || r.Tenant != vault.DefaultTenant {
		t.Fatalf("tombstone: %+v %v", r, err)
	}
	if list, err := svc.ListForms(ctx, vault.DefaultTenant, vault.Page{Limit: 10}); err != nil || len(list) != 0 {
		t.Errorf("list after delete: %+v %v", list, err)
	}
	if err := svc.DeleteForm(ctx, vault.DefaultTenant, "checkout"); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("deleting twice: %v", err)
	}
	if _, err := svc.CreateForm(ctx, vault.DefaultTenant, vault.FormInput{ID: "checkout-2"}); err != nil {
		t.Errorf("another id: %v", err)
	}
}
