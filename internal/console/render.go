package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// csp allows the console its own stylesheet and same-origin form posts,
// nothing else: no script at all, no frame, no external asset.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; frame-src 'self'"

// view is what every page template gets.
type view struct {
	Title, CSRF, Error, Notice string
	Tenant, KeyID              string
	Nav                        string
	// Platform shows the tenants page in the menu (platform:admin keys).
	Platform bool
	Data     any
}

// funcs are the template helpers.
var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"pct":  func(f float64) float64 { return f * 100 },
	"slug": func(v any) string { return strings.NewReplacer(":", "-", " ", "-").Replace(fmt.Sprint(v)) },
}

// render writes a page with the console's browser headers; a signed-in
// page shows who is signed in and carries the session's CSRF token.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	if ss := sessionFrom(r.Context()); ss != nil {
		v.Tenant, v.KeyID, v.CSRF = ss.principal.Tenant, ss.principal.KeyID, ss.csrf
		v.Platform = c.d.Tenants != nil && ss.principal.Can(vault.ScopePlatformAdmin)
	}
	var b bytes.Buffer
	if err := c.pages[page].Execute(&b, v); err != nil {
		c.d.Logger.ErrorContext(r.Context(), "console: render", "page", page, "err", err.Error())
		status = http.StatusInternalServerError
		b.Reset()
		b.WriteString("internal error")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: with no-referrer a browser sends
	// "Origin: null" on form posts, and the same-origin check needs it.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// refuse answers with a clear page.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, status int, message string) {
	c.render(w, r, status, "refused", view{Title: http.StatusText(status), Error: message})
}
