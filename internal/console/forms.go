package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
)

// Forms lists hosted form configurations; nil leaves the page empty.
type Forms interface {
	ListForms(ctx context.Context, tenant string, p vault.Page) ([]forms.Form, error)
}

// formRow is one hosted form on the forms page.
type formRow struct {
	ID, Type, Title, Origins, Callbacks string
	Preview                             string
}

// formsData is the forms page.
type formsData struct {
	Rows      []formRow
	Available bool
}

// formsPage lists the tenant's hosted forms (the first 1000), each with a
// link to its page in the browser.
func (c *Console) formsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		d := formsData{Available: c.d.Forms != nil}
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
