package web

import (
	"bytes"
	"cmp"
	"html/template"
	"net/http"
)

// ErrorPage describes a page shown instead of a form. Every field documents
// its zero value.
type ErrorPage struct {
	// Nonce is this response's CSP nonce, from NewNonce. Required.
	Nonce string
	// Status is the HTTP status; zero means 400.
	Status int
	// Title heads the page; empty means "This form is not available".
	Title string
	// Message says what went wrong and what to do; it is shown as text.
	Message string
	// AllowedOrigins may frame the page, so the error shows where the form
	// would have; nil means only the page's own origin.
	AllowedOrigins []string
	// FramedByAnyHTTPS is FormConfig.FramedByAnyHTTPS: the error shows
	// wherever the form would have.
	FramedByAnyHTTPS bool
}

// RenderError writes an error page (no form, no script) with its status
// and the same security headers as the form.
func RenderError(w http.ResponseWriter, p ErrorPage) error {
	page, policy, err := renderError(p)
	if err != nil {
		return err
	}
	setPageHeaders(w, policy)
	w.WriteHeader(cmp.Or(p.Status, http.StatusBadRequest))
	_, err = w.Write(page)
	return err
}

// renderError builds the page and its policy, filling in defaults in p.
func renderError(p ErrorPage) ([]byte, string, error) {
	policy, err := Policy(p.Nonce, framers(p.AllowedOrigins, p.FramedByAnyHTTPS))
	if err != nil {
		return nil, "", err
	}
	if p.Status == 0 {
		p.Status = http.StatusBadRequest
	}
	if p.Title == "" {
		p.Title = "This form is not available"
	}
	pg, err := loadPage()
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	err = pg.t.ExecuteTemplate(&buf, "error.html", struct {
		Nonce, Title, Message string
		CSS                   template.CSS
	}{p.Nonce, p.Title, p.Message, pg.css})
	if err != nil {
		return nil, "", err
	}
	return buf.Bytes(), policy, nil
}
