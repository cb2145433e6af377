package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
)

// Forms lists hosted form configurations; nil leaves the page empty.
type Forms interface {
	ListForms(ctx context.Context, tenant string, p vault.Page) ([]forms.Form, error)
	Form(ctx context.Context, tenant, id string) (forms.Form, error)
}

// Previews makes the capture endpoints of live previews
// (*pcivault.Service): short-lived, sealed to a key whose passphrase
// nobody has, so a preview can never reveal what is typed into it.
type Previews interface {
	PreviewCapture(ctx context.Context, tenant string, ttl time.Duration) (pcivault.Capture, error)
	DeleteCapture(ctx context.Context, tenant, id string) error
}

// previewTTL is how long a preview's capture endpoint lives.
const previewTTL = 10 * time.Minute

// formRow is one hosted form on the forms page.
type formRow struct {
	ID, Type, Title, Origins, Callbacks string
	Preview                             string
}

// formsData is the forms page.
type formsData struct {
	Rows      []formRow
	Available bool
	// Previewable says the live preview is on.
	Previewable bool
}

// previewData is the live preview page of one form.
type previewData struct {
	Form    formRow
	Src     string
	Expires time.Time
}

// formsPage lists the tenant's hosted forms (the first 1000), each with a
// link to its page in the browser.
func (c *Console) formsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		d := formsData{Available: c.d.Forms != nil, Previewable: c.d.Forms != nil && c.d.Previews != nil}
		for after := ""; d.Available && len(d.Rows) < 1000; {
			page, err := c.d.Forms.ListForms(r.Context(), ss.principal.Tenant, vault.Page{After: after, Limit: 100})
			if err != nil {
				c.refuse(w, r, http.StatusServiceUnavailable, "The forms could not be listed; the store did not answer.")
				return
			}
			for _, f := range page {
				var cbs []string
				if f.SuccessCallback != "" {
					cbs = append(cbs, "success")
				}
				if f.ErrorCallback != "" {
					cbs = append(cbs, "error")
				}
				d.Rows = append(d.Rows, formRow{ID: f.ID, Type: f.Type, Title: f.Title, Origins: strings.Join(f.AllowedOrigins, " "),
					Callbacks: strings.Join(cbs, ", "), Preview: "/v1/capture/iframe/" + url.PathEscape(f.ID)})
			}
			if len(page) < 100 {
				break
			}
			after = page[len(page)-1].ID
		}
		c.render(w, r, http.StatusOK, "forms", view{Title: "Hosted forms", Nav: "forms", Data: d})
	})
}

// previewForm shows a form live, in a sandboxed frame, coupled to a fresh
// capture endpoint that expires in previewTTL and seals to a key nobody
// can open (Previews). The frame has scripts but not the console's origin
// (no allow-same-origin): a form's callbacks, set by whoever configured
// it, run there but cannot reach the console's page or its session.
// Audited console.form.preview with the form and the endpoint.
func (c *Console) previewForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		if c.d.Forms == nil || c.d.Previews == nil {
			c.refuse(w, r, http.StatusNotFound, "Live previews are not available on this vault.")
			return
		}
		f, err := c.d.Forms.Form(r.Context(), ss.principal.Tenant, r.PathValue("id"))
		if vault.CodeOf(err) == vault.CodeNotFound {
			c.refuse(w, r, http.StatusNotFound, "There is no such form.")
			return
		}
		if err != nil {
			c.refuse(w, r, http.StatusServiceUnavailable, "The form could not be read; the store did not answer.")
			return
		}
		ep, err := c.d.Previews.PreviewCapture(r.Context(), ss.principal.Tenant, previewTTL)
		if err != nil {
			c.d.Logger.ErrorContext(r.Context(), "console: preview endpoint", "err", server.RedactDigits(err.Error()))
			c.refuse(w, r, http.StatusServiceUnavailable, "The preview could not be prepared. Try again.")
			return
		}
		if err := c.record(r, ss.principal.Tenant, ss.principal.KeyID, "console.form.preview",
			map[string]string{"expires": ep.ExpiresAt.UTC().Format(time.RFC3339)}, f.ID, ep.ID); err != nil {
			_ = c.d.Previews.DeleteCapture(r.Context(), ss.principal.Tenant, ep.ID)
			c.refuse(w, r, http.StatusInternalServerError, "The preview could not be audited, so it was refused.")
			return
		}
		src := "/v1/capture/iframe/" + url.PathEscape(f.ID) + "?" + url.Values{"unique_id": {ep.ID}, "secret": {ep.Secret}}.Encode()
		c.render(w, r, http.StatusOK, "preview", view{Title: "Live preview", Nav: "forms",
			Data: previewData{Form: formRow{ID: f.ID, Type: f.Type, Title: f.Title}, Src: src, Expires: ep.ExpiresAt}})
	})
}
