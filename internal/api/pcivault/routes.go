// Package pcivault is the PCI Vault dialect under /v1: passphrase-protected
// keys, the vault, and capture endpoints (including ones locked down to
// update one stored card), with PCI Vault's error shape {"error": "..."}.
package pcivault

import (
	"log/slog"
	"net/http"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
)

// Prefix is where the PCI Vault dialect lives.
const Prefix = "/v1"

// API serves the PCI Vault dialect.
type API struct {
	limits server.KeyLimits
	vault  *vault.Service
	pci    *pv.Service
	audit  api.Recorder
	// outcomes records proxy calls' outcomes (api.Deps.OutcomeRecorder).
	outcomes api.Recorder
	relay    api.Forwarder
	log      *slog.Logger
}

// New returns the PCI Vault API over d.Vault and d.PCI, auditing to d.Audit
// and proxying through d.Relay (nil: /proxy answers 503).
func New(d api.Deps) *API {
	return &API{vault: d.Vault, limits: d.Limits, pci: d.PCI, audit: d.Audit, outcomes: d.OutcomeRecorder(), relay: d.Relay, log: d.Logger()}
}

var _ server.Facade = (*API)(nil)

// Routes lists the whole PCI Vault API. The hosted forms under
// /v1/capture/iframe are not here; their literal segment outranks {id}.
func (a *API) Routes(mux *server.Mux) {
	rt := server.Routes{Auth: a.vault, Limits: a.limits, Fail: a.fail, Challenge: "Basic"}
	mux.Handle("POST "+Prefix+"/key", rt.Key(vault.ScopeCardsWrite, a.createKey))
	mux.Handle("GET "+Prefix+"/key", rt.Key(vault.ScopeCardsRead, a.listKeys))
	mux.Handle("PUT "+Prefix+"/key", rt.Key(vault.ScopeCardsWrite, a.changePassphrase))
	mux.Handle("DELETE "+Prefix+"/key", rt.Key(vault.ScopeCardsWrite, a.deleteKey))

	mux.Handle("POST "+Prefix+"/vault", rt.Key(vault.ScopeCardsWrite, a.storeData))
	mux.Handle("GET "+Prefix+"/vault", rt.Key("", a.getData))
	mux.Handle("DELETE "+Prefix+"/vault", rt.Key(vault.ScopeCardsWrite, a.deleteData))

	mux.Handle("POST "+Prefix+"/capture", rt.Key(vault.ScopeCardsWrite, a.createCapture))
	mux.Handle("GET "+Prefix+"/capture", rt.Key(vault.ScopeCardsRead, a.listCaptures))
	mux.Handle("DELETE "+Prefix+"/capture", rt.Key(vault.ScopeCardsWrite, a.deleteCapture))
	mux.Handle("DELETE "+Prefix+"/capture/{id}", rt.Key(vault.ScopeCardsWrite, a.deleteCapture))
	mux.Handle("POST "+Prefix+"/capture/{id}", cors(rt.Serve(a.capture)))
	mux.Handle("OPTIONS "+Prefix+"/capture/{id}", cors(preflight()))

	mux.Handle("POST "+Prefix+"/retrieve", rt.Key(vault.ScopeCardsReveal, a.createRetrieve))
	mux.Handle("GET "+Prefix+"/retrieve/{id}", retrieveCORS(rt.Serve(a.retrieve)))
	mux.Handle("OPTIONS "+Prefix+"/retrieve/{id}", retrieveCORS(preflight()))
	mux.Handle("DELETE "+Prefix+"/retrieve/{id}", rt.Key(vault.ScopeCardsWrite, a.deleteRetrieve))

	mux.Handle("POST "+Prefix+"/proxy/post", rt.Key(vault.ScopeForward, a.proxyPost))
	mux.Handle("GET "+Prefix+"/proxy/get", rt.Key(vault.ScopeForward, a.proxyGet))

	mux.Handle("GET "+Prefix+"/whoami", rt.Key("", a.whoami))
	mux.Handle("GET "+Prefix+"/passphrase", rt.Key("", a.passphrase))
}

// Owns reports whether path is under /v1.
func (a *API) Owns(path string) bool { return server.HasPrefix(path, Prefix) }

// WriteError writes PCI Vault's error shape, {"error": message}. Bodies
// over the server-wide limit are reported as PCI Vault reports bodies over
// its 256 KiB limit: a 400.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	if status == http.StatusRequestEntityTooLarge {
		status, message = http.StatusBadRequest, tooLarge
	}
	server.Encode(w, status, errorBody{Error: message})
}

// errorBody is PCI Vault's error shape.
type errorBody struct {
	Error string `json:"error"`
}

// fail writes err in PCI Vault's shape: the one place errors become
// responses. Domain codes map to statuses as server.Status does, except
// that a too-large body is a 400 (PCI Vault's answer) and the PCI Vault
// domain's own codes are a 429 (a limit reached) and a 503 with
// Retry-After (too many unlocks waiting).
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	if proxyFail(w, r, a, err) {
		return
	}
	switch e := vault.AsError(err); e.Code {
	case vault.CodeLimited:
		a.WriteError(w, r, http.StatusTooManyRequests, e.Public)
		return
	case vault.CodeUnavailable:
		w.Header().Set("Retry-After", "1")
		a.WriteError(w, r, http.StatusServiceUnavailable, e.Public)
		return
	}
	status, e := server.Fail(a.log, r, err)
	a.WriteError(w, r, status, e.Public)
}

// record audits an action by the request's caller; a failure to audit
// fails the request, so nothing audited goes unrecorded.
func (a *API) record(r *http.Request, action string, targets ...string) error {
	return a.audit.Record(r.Context(), api.CallerEvent(r, action, nil, targets...))
}
