package hostedform_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// seedForm is the body of seed 001's "Create a Hosted Form" call: every
// field hidden but the CVV.
var seedForm = `{"success_callback":"` + b64(seedCallback) + `","field_options":{` +
	`"reference":{"visible":false},"card_holder":{"visible":false},"expiry":{"visible":false},"card_number":{"visible":false}}}`

type formView struct {
	Type            string                        `json:"type"`
	ID              string                        `json:"id"`
	Link            string                        `json:"link"`
	FieldOptions    map[string]forms.FieldOptions `json:"field_options"`
	SuccessCallback string                        `json:"success_callback"`
	AllowedOrigins  []string                      `json:"allowed_origins"`
}

func TestFormLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.createForm(t, seedForm)
	host := strings.TrimPrefix(e.URL, "http://")
	if f.Type != "pcd" || !regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`).MatchString(f.ID) ||
		f.Link != host+"/v1/capture/iframe/"+f.ID {
		t.Fatalf("create answered %+v", f)
	}

	resp, body := e.call(t, "GET", "/v1/capture/iframe/"+f.ID, "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	v := vaulttest.Decode[formView](t, body)
	if v.SuccessCallback != b64(seedCallback) || v.FieldOptions["cvv"] != (forms.FieldOptions{Visible: true, Validate: true}) ||
		v.FieldOptions["card_number"].Visible || v.Link != f.Link {
		t.Errorf("get answered %s", body)
	}

	other := e.createForm(t, `{"allowed_origins":["https://shop.example"]}`)
	resp, body = e.call(t, "GET", "/v1/capture/iframe", "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	list := vaulttest.Decode[[]formView](t, body)
	ids := []string{list[0].ID, list[1].ID}
	if len(list) != 2 || !slices.Contains(ids, f.ID) || !slices.Contains(ids, other.ID) {
		t.Fatalf("list answered %s", body)
	}
	resp, body = e.call(t, "GET", "/v1/capture/iframe?limit=1", "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	next := resp.Header.Get("X-PCIVault-Next-Token")
	resp, body2 := e.call(t, "GET", "/v1/capture/iframe"+q("limit", "1", "next_token", next), "")
	vaulttest.WantStatus(t, resp, body2, http.StatusOK)
	if len(vaulttest.Decode[[]formView](t, body)) != 1 || len(vaulttest.Decode[[]formView](t, body2)) != 1 || next == "" ||
		resp.Header.Get("X-PCIVault-Next-Token") != "" {
		t.Errorf("paging: %s then %s", body, body2)
	}

	// Another tenant neither sees nor deletes the form.
	otherKey := vaulttest.BasicAuth(e.TenantKey(t, "acme"))
	resp, body = e.Do(t, "GET", "/v1/capture/iframe/"+f.ID, "", "Authorization", otherKey)
	vaulttest.WantStatus(t, resp, body, http.StatusNotFound)
	resp, body = e.Do(t, "DELETE", "/v1/capture/iframe/"+f.ID, "", "Authorization", otherKey)
	vaulttest.WantStatus(t, resp, body, http.StatusNotFound)

	resp, body = e.call(t, "DELETE", "/v1/capture/iframe/"+f.ID, "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	if got := vaulttest.Decode[map[string]any](t, body); got["id"] != f.ID || got["deleted"] != true {
		t.Errorf("delete answered %s", body)
	}
	resp, body = e.call(t, "GET", "/v1/capture/iframe/"+f.ID, "")
	vaulttest.WantStatus(t, resp, body, http.StatusNotFound)
	if vaulttest.Decode[map[string]string](t, body)["error"] == "" {
		t.Errorf("not found in the wrong shape: %s", body)
	}

	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, en := range entries {
		actions = append(actions, en.Action)
	}
	if !slices.Contains(actions, "pcivault.form.create") || !slices.Contains(actions, "pcivault.form.delete") {
		t.Errorf("audit holds %v", actions)
	}
}

func TestCreateFormChoices(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("no body makes the full form", func(t *testing.T) {
		f := e.createForm(t, "")
		resp, body := e.call(t, "GET", "/v1/capture/iframe/"+f.ID, "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		for name, o := range vaulttest.Decode[formView](t, body).FieldOptions {
			if !o.Visible || !o.Validate {
				t.Errorf("%s: %+v", name, o)
			}
		}
	})
	t.Run("form_id, form_type left out, disable_luhn, url-safe base64 without padding", func(t *testing.T) {
		resp, body := e.call(t, "POST", "/v1/capture/iframe?form_id=checkout-1",
			`{"disable_luhn":true,"force_keypad":true,"strip_spaces":true,"error_callback":"ZnVuY3Rpb24oKXt9"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if f := vaulttest.Decode[created](t, body); f.ID != "checkout-1" || f.Type != "pcd" {
			t.Fatalf("created %s", body)
		}
		resp, body = e.call(t, "GET", "/v1/capture/iframe/checkout-1", "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if o := vaulttest.Decode[formView](t, body).FieldOptions["card_number"]; !o.Visible || o.Validate {
			t.Errorf("disable_luhn gave %+v", o)
		}
		resp, body = e.call(t, "POST", "/v1/capture/iframe?form_id=checkout-1", "")
		vaulttest.WantStatus(t, resp, body, http.StatusConflict)
	})
	t.Run("origins are normalised", func(t *testing.T) {
		f := e.createForm(t, `{"allowed_origins":["HTTPS://Shop.Example:443","http://localhost:8081/"]}`)
		resp, body := e.call(t, "GET", "/v1/capture/iframe/"+f.ID, "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if got := vaulttest.Decode[formView](t, body).AllowedOrigins; !slices.Equal(got, []string{"https://shop.example", "http://localhost:8081"}) {
			t.Errorf("origins %q", got)
		}
	})
}

func TestCreateFormBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reader := vaulttest.BasicAuth(e.Key(t, vault.ScopeCardsRead))
	cases := []struct {
		name, query, body string
		status            int
		mention           string
	}{
		{"unknown form type", "?form_type=xyz", `{}`, 400, "form_type"},
		{"custom form type", "?form_type=custom", `{}`, 400, `"custom"`},
		{"card field on an ach form", "?form_type=ach", `{"field_options":{"cvv":{"visible":true}}}`, 400, "cvv"},
		{"unknown field", "", `{"field_options":{"pin":{"visible":true}}}`, 400, `"pin"`},
		{"unknown field option", "", `{"field_options":{"cvv":{"visible":true,"colour":"red"}}}`, 400, `"colour"`},
		{"option not a boolean", "", `{"field_options":{"cvv":{"visible":"yes"}}}`, 400, "field_options.cvv.visible"},
		{"field options not an object", "", `{"field_options":{"cvv":true}}`, 400, "field_options"},
		{"callback not base64", "", `{"success_callback":"function(){}"}`, 400, "success_callback"},
		{"error callback not base64", "", `{"error_callback":"%%%"}`, 400, "error_callback"},
		{"callback with a script tag", "", `{"success_callback":"` + b64(`function(){ x = "<script>" }`) + `"}`, 400, "<script"},
		{"callback with an HTML comment", "", `{"success_callback":"` + b64(`function(){ /* <!-- */ }`) + `"}`, 400, "<!--"},
		{"callback that runs code at load", "", `{"success_callback":"` + b64(`(document.addEventListener("submit", function(){}), function(){})`) + `"}`, 400, "one function expression"},
		{"error callback called at once", "", `{"error_callback":"` + b64(`function(){}(fetch("/x"))`) + `"}`, 400, "error_callback"},
		{"callback closing its wrapper", "", `{"success_callback":"` + b64(`function(){}); x(); (function(){}`) + `"}`, 400, "brackets"},
		{"concise arrow callback", "", `{"success_callback":"` + b64(`(r) => r.token`) + `"}`, 400, "one function expression"},
		{"callback not UTF-8", "", `{"success_callback":"` + b64("function(){ '\xff' }") + `"}`, 400, "success_callback"},
		{"huge callback", "", `{"success_callback":"` + b64(strings.Repeat(" ", forms.MaxFormScript+1)) + `"}`, 400, "success_callback"},
		{"every field hidden", "", `{"field_options":{"reference":{"visible":false},"card_holder":{"visible":false},"expiry":{"visible":false},"card_number":{"visible":false},"cvv":{"visible":false}}}`, 400, "visible"},
		{"unknown member", "", `{"colour":"red"}`, 400, `"colour"`},
		{"style sheet over http", "", `{"css_links":["http://cdn.example/a.css"]}`, 400, "css_links[0] must be an absolute https URL"},
		{"style sheet link breaking a CSP source", "", `{"css_links":["https://cdn.example/a.css; script-src *"]}`, 400, "css_links[0]"},
		{"six style sheets", "", `{"css_links":["https://a.example/1.css","https://a.example/2.css","https://a.example/3.css","https://a.example/4.css","https://a.example/5.css","https://a.example/6.css"]}`, 400, "css_links"},
		{"embedded css ending its element", "", `{"embedded_css":"` + b64(`body{}</style><script>alert(1)</script>`) + `"}`, 400, "embedded_css must not contain '<'"},
		{"embedded css not base64", "", `{"embedded_css":"body{}"}`, 400, "embedded_css must be base64"},
		{"external scripts", "", `{"js_links":["https://cdn.example/a.js"]}`, 400, "js_links is not supported: the card form runs no script but its own"},
		{"embedded js", "", `{"embedded_js":"YQ=="}`, 400, "PCI DSS 6.4.3"},
		{"bad origin", "", `{"allowed_origins":["https://*.shop.example"]}`, 400, "allowed_origins"},
		{"origin with a path", "", `{"allowed_origins":["https://shop.example/checkout"]}`, 400, "allowed_origins"},
		{"bad form id", "?form_id=a/b", `{}`, 400, "form_id"},
		{"built-in form id", "?form_id=pcd", `{}`, 400, "form_id"},
		{"malformed JSON", "", `{"field_options":`, 400, "JSON"},
		{"not an object", "", `[]`, 400, "object"},
		{"title with a newline", "", `{"title":"a\nb"}`, 400, "title"},
		{"body over 64 KiB", "", `{"title":"` + strings.Repeat("x", 70<<10) + `"}`, 400, "larger than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.call(t, "POST", "/v1/capture/iframe"+c.query, c.body)
			vaulttest.WantStatus(t, resp, body, c.status)
			msg := vaulttest.Decode[map[string]string](t, body)["error"]
			if !strings.Contains(msg, c.mention) {
				t.Errorf("error %q does not mention %s", msg, c.mention)
			}
		})
	}
	t.Run("no credentials", func(t *testing.T) {
		resp, body := e.Do(t, "POST", "/v1/capture/iframe?form_type=pcd", `{}`)
		vaulttest.WantStatus(t, resp, body, http.StatusUnauthorized)
		if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("no Basic challenge: %v", resp.Header)
		}
	})
	t.Run("read-only key", func(t *testing.T) {
		resp, body := e.Do(t, "POST", "/v1/capture/iframe", `{}`, "Authorization", reader)
		vaulttest.WantStatus(t, resp, body, http.StatusForbidden)
		resp, body = e.Do(t, "GET", "/v1/capture/iframe", "", "Authorization", reader)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
	})
	t.Run("unknown form", func(t *testing.T) {
		resp, body := e.call(t, "GET", "/v1/capture/iframe/nope-nope", "")
		vaulttest.WantStatus(t, resp, body, http.StatusNotFound)
		resp, body = e.call(t, "DELETE", "/v1/capture/iframe/nope-nope", "")
		vaulttest.WantStatus(t, resp, body, http.StatusNotFound)
	})
	t.Run("wrong method in PCI Vault's shape", func(t *testing.T) {
		resp, body := e.call(t, "PUT", "/v1/capture/iframe/x", "")
		vaulttest.WantStatus(t, resp, body, http.StatusMethodNotAllowed)
		if vaulttest.Decode[map[string]string](t, body)["error"] == "" {
			t.Errorf("405 body %s", body)
		}
	})
	if n := len(mustList(t, e)); n != 0 {
		t.Errorf("%d forms exist after bad requests", n)
	}
}

func mustList(t *testing.T, e *env) []formView {
	t.Helper()
	resp, body := e.call(t, "GET", "/v1/capture/iframe", "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	return vaulttest.Decode[[]formView](t, body)
}

// Forms carry script that runs beside the card inputs, so creating and
// deleting them takes the admin scope; every other scope together is not
// enough. Reading them takes cards:read.
func TestFormManagementNeedsAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.createForm(t, `{"title":"Merchant"}`)
	for name, scopes := range map[string][]vault.Scope{
		"cards:write":     {vault.ScopeCardsWrite},
		"all but admin":   {vault.ScopeCardsWrite, vault.ScopeCardsRead, vault.ScopeCardsReveal, vault.ScopeForward},
		"cards:read only": {vault.ScopeCardsRead},
	} {
		t.Run(name, func(t *testing.T) {
			key := vaulttest.BasicAuth(e.Key(t, scopes...))
			resp, body := e.Do(t, "DELETE", "/v1/capture/iframe/"+f.ID, "", "Authorization", key)
			vaulttest.WantStatus(t, resp, body, http.StatusForbidden)
			if msg := vaulttest.Decode[map[string]string](t, body)["error"]; !strings.Contains(msg, `"admin"`) {
				t.Errorf("403 says %q", msg)
			}
			resp, body = e.Do(t, "POST", "/v1/capture/iframe?form_type=pcd&form_id=by-"+strings.NewReplacer(" ", "-", ":", "-").Replace(name), `{}`, "Authorization", key)
			vaulttest.WantStatus(t, resp, body, http.StatusForbidden)
			if slices.Contains(scopes, vault.ScopeCardsRead) {
				resp, body = e.Do(t, "GET", "/v1/capture/iframe/"+f.ID, "", "Authorization", key)
				vaulttest.WantStatus(t, resp, body, http.StatusOK)
				resp, body = e.Do(t, "GET", "/v1/capture/iframe", "", "Authorization", key)
				vaulttest.WantStatus(t, resp, body, http.StatusOK)
			}
		})
	}
	if list := mustList(t, e); len(list) != 1 || list[0].ID != f.ID {
		t.Errorf("forms after refused calls: %+v", list)
	}
	admin := vaulttest.BasicAuth(e.Key(t, vault.ScopeAdmin))
	resp, body := e.Do(t, "POST", "/v1/capture/iframe?form_id=by-admin", `{}`, "Authorization", admin)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.Do(t, "DELETE", "/v1/capture/iframe/by-admin", "", "Authorization", admin)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
}

// A deleted form's id cannot name a new form, for any tenant: the links
// handed out for the old form would serve the new one's callbacks.
func TestDeletedFormIDIsNotReused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, body := e.call(t, "POST", "/v1/capture/iframe?form_type=pcd&form_id=checkout", `{"title":"Merchant"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.call(t, "DELETE", "/v1/capture/iframe/checkout", "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	for _, key := range []string{e.basic, vaulttest.BasicAuth(e.TenantKey(t, "acme"))} {
		resp, body = e.Do(t, "POST", "/v1/capture/iframe?form_type=pcd&form_id=checkout",
			`{"success_callback":"`+b64(`function(){}`)+`"}`, "Authorization", key)
		vaulttest.WantStatus(t, resp, body, http.StatusConflict)
		if msg := vaulttest.Decode[map[string]string](t, body)["error"]; !strings.Contains(msg, "deleted form") {
			t.Errorf("409 says %q", msg)
		}
	}
	resp, body = e.call(t, "GET", "/v1/capture/iframe/checkout", "")
	vaulttest.WantStatus(t, resp, body, http.StatusNotFound)
	resp, body = e.call(t, "DELETE", "/v1/capture/iframe/checkout", "")
	vaulttest.WantStatus(t, resp, body, http.StatusNotFound)
	if n := len(mustList(t, e)); n != 0 {
		t.Errorf("%d forms listed", n)
	}
}
