// Package hostedform serves PCI Vault's configured hosted capture forms:
// merchants configure a form (/v1/capture/iframe), and shoppers load it in
// an iframe, coupled to a capture endpoint, so card data goes from their
// browser straight to the vault.
package hostedform

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
)

// Prefix is where the hosted forms live, inside PCI Vault's /v1/capture.
const Prefix = "/v1/capture/iframe"

// Endpoints checks capture endpoints: CheckCapture returns the live
// endpoint with this unique id when secret is its secret (compared in
// constant time); an absent or expired endpoint is a not_found
// *vault.Error, a wrong secret an unauthorized one. *pv.Service and
// the PCI Vault facade (*pcivault.API) provide it.
type Endpoints interface {
	CheckCapture(ctx context.Context, id, secret string) (pv.Capture, error)
}

// API serves the hosted form routes.
type API struct {
	limits    server.KeyLimits
	forms     *forms.Service
	vault     *vault.Service
	endpoints Endpoints
	audit     api.Recorder
	log       *slog.Logger
	// links builds the form link: the public URL, never a forged Host.
	links api.Links
}

// New returns the hosted form facade over d.Vault and d.Forms, checking
// capture endpoints with d.PCI and auditing form changes to d.Audit.
func New(d api.Deps) *API {
	return &API{vault: d.Vault, limits: d.Limits, forms: d.Forms, endpoints: d.PCI, audit: d.Audit, log: d.Logger(), links: d.Links()}
}

var _ server.Facade = (*API)(nil)

// Routes lists every hosted form route. Management routes take PCI Vault's
// account credentials (HTTP Basic with an API key as password, or any
// credential server.Credential accepts); loading a form takes the capture
// endpoint's id and secret instead.
//
// Creating and deleting forms takes the admin scope: a form carries
// callbacks, script that runs in the vault's origin beside the card
// inputs, so whoever sets them can read what shoppers type; and deleting a
// form is how its id would be handed to a new configuration, were ids
// reusable (they are not: see vault.KindFormTombstone). Reading
// configurations takes cards:read.
func (a *API) Routes(mux *server.Mux) {
	// fail sends the Basic challenge with every 401.
	rt := server.Routes{Auth: a.vault, Limits: a.limits, Fail: a.fail}
	mux.Handle("POST "+Prefix, rt.Key(vault.ScopeAdmin, a.createForm))
	mux.Handle("GET "+Prefix, rt.Key(vault.ScopeCardsRead, a.listForms))
	mux.Handle("GET "+Prefix+"/{id}", a.getForm(rt))
	mux.Handle("DELETE "+Prefix+"/{id}", rt.Key(vault.ScopeAdmin, a.deleteForm))
}

// Owns reports false for every path: routing errors under /v1 are written
// by the PCI Vault facade, in the same error shape.
func (a *API) Owns(string) bool { return false }

// WriteError writes PCI Vault's error shape, {"error": message}. A body
// over the limit is a 400, as the PCI Vault facade answers it.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	if status == http.StatusRequestEntityTooLarge {
		status = http.StatusBadRequest
	}
	server.Encode(w, status, map[string]string{"error": message})
}

// fail writes err in PCI Vault's shape: the one place errors become JSON.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, e := server.Fail(a.log, r, err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="cardvault"`)
	}
	a.WriteError(w, r, status, e.Public)
}

// record audits an action by the request's caller; a failure to audit
// fails the request, so nothing goes unrecorded.
func (a *API) record(r *http.Request, action string, targets ...string) error {
	return a.audit.Record(r.Context(), api.CallerEvent(r, action, nil, targets...))
}
