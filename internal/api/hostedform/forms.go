package hostedform

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
)

// maxCreateBody bounds a create request: two callbacks of at most
// forms.MaxFormScript bytes in base64, and room for the rest.
const maxCreateBody = 64 << 10

// formResponse shows a form. Create answers only type, id and link, as PCI
// Vault does; reads add the configuration, with callbacks in base64 as they
// were given.
type formResponse struct {
	Type            string                                 `json:"type"`
	ID              string                                 `json:"id"`
	Link            string                                 `json:"link"`
	FieldOptions    map[forms.FormField]forms.FieldOptions `json:"field_options,omitempty"`
	SuccessCallback string                                 `json:"success_callback,omitempty"`
	ErrorCallback   string                                 `json:"error_callback,omitempty"`
	AllowedOrigins  []string                               `json:"allowed_origins,omitempty"`
	Title           string                                 `json:"title,omitempty"`
	CSSLinks        []string                               `json:"css_links,omitempty"`
	EmbeddedCSS     string                                 `json:"embedded_css,omitempty"`
	HideCard        bool                                   `json:"hide_card,omitempty"`
	CreatedAt       *time.Time                             `json:"created_at,omitempty"`
}

// link is the form's URL without a scheme, as PCI Vault writes it.
func (a *API) link(r *http.Request, id string) string {
	return a.links.Host(r) + Prefix + "/" + id
}

// view renders a stored form in full.
func (a *API) view(r *http.Request, f forms.Form) formResponse {
	out := formResponse{Type: f.Type, ID: f.ID, Link: a.link(r, f.ID), FieldOptions: f.Fields,
		AllowedOrigins: f.AllowedOrigins, Title: f.Title, CSSLinks: f.Style.CSSLinks, HideCard: f.Style.HideCard,
		CreatedAt: &f.CreatedAt}
	if f.Style.EmbeddedCSS != "" {
		out.EmbeddedCSS = base64.StdEncoding.EncodeToString([]byte(f.Style.EmbeddedCSS))
	}
	if f.SuccessCallback != "" {
		out.SuccessCallback = base64.StdEncoding.EncodeToString([]byte(f.SuccessCallback))
	}
	if f.ErrorCallback != "" {
		out.ErrorCallback = base64.StdEncoding.EncodeToString([]byte(f.ErrorCallback))
	}
	return out
}

// createForm configures a hosted form: POST /v1/capture/iframe?form_type=pcd.
func (a *API) createForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxCreateBody)
	raw, err := server.ReadBody(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	in, err := parseCreate(raw, q.Get("form_type"), q.Get("form_id"))
	if err != nil {
		return err
	}
	p := server.Principal(r)
	f, err := a.forms.CreateForm(r.Context(), p.Tenant, in)
	if err != nil {
		return err
	}
	if err := a.record(r, "pcivault.form.create", f.ID); err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, formResponse{Type: f.Type, ID: f.ID, Link: a.link(r, f.ID)})
	return nil
}

// listForms pages through the caller's forms: GET /v1/capture/iframe,
// limit (default and most 1000) forms at a time. The next page starts
// after the id in the X-PCIVault-Next-Token header, sent back as the
// next_token query parameter.
func (a *API) listForms(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg := vault.Page{After: q.Get("next_token"), Limit: 1000}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return vault.Invalid("limit", "limit must be a positive whole number")
		}
		pg.Limit = min(n, 1000)
	}
	p := server.Principal(r)
	forms, err := a.forms.ListForms(r.Context(), p.Tenant, vault.Page{After: pg.After, Limit: pg.Limit + 1})
	if err != nil {
		return err
	}
	if len(forms) > pg.Limit {
		forms = forms[:pg.Limit]
		w.Header().Set("X-PCIVault-Next-Token", forms[len(forms)-1].ID)
	}
	out := make([]formResponse, len(forms))
	for i, f := range forms {
		out[i] = a.view(r, f)
	}
	server.Encode(w, http.StatusOK, out)
	return nil
}

// getForm answers GET /v1/capture/iframe/{id}: with unique_id or secret in
// the query it loads the form for a shopper (an HTML page); otherwise it is
// an account call that shows the configuration as JSON.
func (a *API) getForm(rt server.Routes) http.Handler {
	page := rt.Serve(a.servePage)
	show := rt.Key(vault.ScopeCardsRead, a.showForm)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Has("unique_id") || q.Has("secret") || !wantsJSON(r) {
			page.ServeHTTP(w, r)
			return
		}
		show.ServeHTTP(w, r)
	})
}

// wantsJSON tells an API client from a browser: a request with a
// credential, or one that does not accept HTML, is an API call.
func wantsJSON(r *http.Request) bool {
	return server.Credential(r) != "" || !strings.Contains(r.Header.Get("Accept"), "text/html")
}

// showForm shows one of the caller's forms as JSON.
func (a *API) showForm(w http.ResponseWriter, r *http.Request) error {
	p := server.Principal(r)
	f, err := a.forms.Form(r.Context(), p.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, a.view(r, f))
	return nil
}

// deleteForm removes one of the caller's forms: DELETE /v1/capture/iframe/{id}.
func (a *API) deleteForm(w http.ResponseWriter, r *http.Request) error {
	p := server.Principal(r)
	id := r.PathValue("id")
	if err := a.forms.DeleteForm(r.Context(), p.Tenant, id); err != nil {
		return err
	}
	if err := a.record(r, "pcivault.form.delete", id); err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, map[string]any{"id": id, "deleted": true})
	return nil
}
