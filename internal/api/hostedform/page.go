package hostedform

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
	"github.com/cardvault/cardvault/internal/web"
)

// captureBase is where PCI Vault's capture endpoints take posts.
const captureBase = "/v1/capture"

// SecretHeader carries a capture endpoint's secret, as PCI Vault names it.
const SecretHeader = "X-PCIVault-Capture-Secret"

// servePage loads a form for a shopper: GET
// /v1/capture/iframe/{id}?unique_id=…&secret=…[&reference=…][&title=…].
// A form with callbacks is sandboxed (see runsTenantScript).
// As at PCI Vault, any https origin may frame it unless the form lists
// allowed_origins; its message goes only to those listed (or to the vault
// itself), never to whichever page framed it.
// The secret is checked here and again when the form posts; the page's
// script keeps it in memory and removes it from the address bar. The
// access log never sees it: it records no query strings.
func (a *API) servePage(w http.ResponseWriter, r *http.Request) error {
	nonce := web.NewNonce()
	q := r.URL.Query()
	f, err := a.forms.FormByID(r.Context(), r.PathValue("id"))
	if err == nil && f.Type != forms.FormTypePCD && f.Type != forms.FormTypeACH {
		err = vault.Errorf(vault.CodeNotFound, "form type %q is not served", f.Type)
	}
	if err != nil {
		a.pageError(w, r, nonce, nil, err, "This form does not exist. Check the link you were given.")
		return nil
	}
	id, secret := q.Get("unique_id"), q.Get("secret")
	switch {
	case id == "":
		a.pageError(w, r, nonce, f.AllowedOrigins, vault.Invalid("unique_id", "unique_id is required"),
			"This link is incomplete: it names no capture endpoint (unique_id).")
		return nil
	case secret == "":
		a.pageError(w, r, nonce, f.AllowedOrigins, vault.Errorf(vault.CodeUnauthorized, "secret is required"),
			"This link is incomplete: it carries no secret.")
		return nil
	}
	ep, err := a.endpoints.CheckCapture(r.Context(), id, secret)
	if err == nil && !f.Builtin && ep.Tenant != f.Tenant {
		// Another tenant's endpoint: answer as if it did not exist.
		err = vault.Errorf(vault.CodeNotFound, "capture endpoint not found")
	}
	if err != nil {
		msg := "This link has expired or was already used. Ask for a new one."
		if vault.CodeOf(err) == vault.CodeUnauthorized {
			msg = "This link is not valid. Check that you copied all of it, or ask for a new one."
		}
		a.pageError(w, r, nonce, f.AllowedOrigins, err, msg)
		return nil
	}
	cfg := web.FormConfig{Nonce: nonce, Title: f.Title, SubmitURL: captureBase + "/" + url.PathEscape(id) + "?form_type=" + f.Type,
		SecretParam: "secret", SecretHeader: SecretHeader, SuccessCallback: f.SuccessCallback,
		ErrorCallback: f.ErrorCallback, AllowedOrigins: f.AllowedOrigins, FramedByAnyHTTPS: true,
		StyleLinks: f.Style.CSSLinks, Style: f.Style.EmbeddedCSS, HideScheme: f.Style.HideCard,
		// A tenant's callbacks run only in a sandbox, an opaque origin of
		// their own, away from the vault's other pages and card frames.
		Sandbox: runsTenantScript(f)}
	if t := q.Get("title"); t != "" && len(t) <= forms.MaxFormTitle && utf8.ValidString(t) && !strings.ContainsFunc(t, isControl) {
		cfg.Title = t
	}
	if ref := q.Get("reference"); ref != "" && len(ref) <= vault.MaxReferenceLen && utf8.ValidString(ref) {
		cfg.Reference = ref
	}
	for _, name := range forms.FieldsOf(f.Type) {
		if o := f.Fields[name]; o.Visible {
			cfg.Fields = append(cfg.Fields, web.Field{Name: string(name), Validate: o.Validate})
		}
	}
	if err := web.RenderForm(w, cfg); err != nil {
		a.pageError(w, r, nonce, nil, err, "This form cannot be shown.")
	}
	return nil
}

// runsTenantScript reports whether a form's page runs script its tenant
// wrote (a callback), and so must be sandboxed. The capture endpoint it
// posts to answers CORS for any origin, null included, with the endpoint's
// secret as the only credential.
func runsTenantScript(f forms.Form) bool { return f.SuccessCallback != "" || f.ErrorCallback != "" }

// pageError answers a page load with an error page (no form) whose status
// follows err's code, and logs internal causes.
func (a *API) pageError(w http.ResponseWriter, r *http.Request, nonce string, origins []string, err error, message string) {
	status, e := server.Fail(a.log, r, err)
	if status >= 500 {
		message = e.Public
	}
	page := web.ErrorPage{Nonce: nonce, Status: status, Message: message, AllowedOrigins: origins, FramedByAnyHTTPS: true}
	if err := web.RenderError(w, page); err != nil {
		a.log.ErrorContext(r.Context(), "render error page", "err", err)
		a.WriteError(w, r, http.StatusInternalServerError, e.Public)
	}
}

// isControl reports control characters, which a title may not hold.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
