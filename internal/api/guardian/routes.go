// Package guardian is the Hellgate Guardian dialect: PCI tokens (with
// capture sessions, security codes and forward), metadata inquiries and API
// key administration under /api, the session endpoints that Hellgate's
// browser SDK calls under /sessions, and the card frames that SDK loads
// under /web, in Guardian's {code, classifier, message} error shape.
package guardian

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/bintable"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
	"github.com/cardvault/cardvault/internal/vault/sessions"
	"github.com/cardvault/cardvault/internal/vault/webhooks"
)

// Prefixes the facade owns.
const (
	// APIPrefix is where Guardian's server-side API lives.
	APIPrefix = "/api"
	// SessionPrefix is where the browser SDK completes sessions.
	SessionPrefix = "/sessions"
)

// Relay sends a rendered forward to an allow-listed destination
// (*forward.Relay); Prepare checks one without sending, so that a network
// token forward to a refused destination does not spend its cryptogram.
type Relay interface {
	Do(ctx context.Context, req forward.Request) (*forward.Response, error)
	Prepare(ctx context.Context, req forward.Request) (*forward.Outbound, error)
}

var _ Relay = (*forward.Relay)(nil)

// API serves the Guardian dialect.
type API struct {
	limits   server.KeyLimits
	sessions *sessions.Service
	vault    *vault.Service
	audit    api.Recorder
	outcomes api.Recorder // forward outcomes (api.Deps.OutcomeRecorder)
	relay    Relay
	bins     *bintable.Table
	// network provisions network tokens; nil answers their routes 501.
	network *networktokens.Service
	log     *slog.Logger
	wait    time.Duration
	// links chooses the base of absolute links (baseURL).
	links api.Links
	// webhooks keeps webhook endpoints; nil answers their routes 404.
	webhooks *webhooks.Service
}

// New returns the Guardian facade over d.Vault and d.Sessions. d.Relay
// sends forwards (nil: forwarding answers 503); d.BINs answers metadata
// inquiries (nil: bintable.Default()); d.NetworkTokens serves the network
// token routes (nil: they answer 501).
func New(d api.Deps) *API {
	a := &API{vault: d.Vault, network: d.NetworkTokens, limits: d.Limits, sessions: d.Sessions, audit: d.Audit, outcomes: d.OutcomeRecorder(), relay: d.Relay, bins: d.BINs, log: d.Logger(),
		wait: d.IdempotencyWait, links: d.Links(), webhooks: d.Webhooks}
	if a.bins == nil {
		a.bins = bintable.Default()
	}
	if a.wait <= 0 {
		a.wait = 10 * time.Second
	}
	return a
}

var _ server.Facade = (*API)(nil)

// Routes lists the whole Guardian API.
func (a *API) Routes(mux *server.Mux) {
	rt := server.Routes{Auth: a.vault, Limits: a.limits, Fail: a.fail, Credential: credential}
	const tokens = APIPrefix + "/pci/tokens"
	mux.Handle("POST "+tokens, rt.Key(vault.ScopeCardsWrite, a.idempotent(nil, a.createToken)))
	mux.Handle("GET "+tokens, rt.Key(vault.ScopeCardsRead, a.listTokens))
	mux.Handle("GET "+tokens+"/{id}", rt.Key(vault.ScopeCardsRead, a.getToken))
	mux.Handle("DELETE "+tokens+"/{id}", rt.Key(vault.ScopeCardsWrite, a.deleteToken))
	mux.Handle("GET "+tokens+"/{id}/security-code", rt.Key(vault.ScopeCardsRead, a.securityCodeStatus))
	mux.Handle("POST "+tokens+"/{id}/security-code", rt.Key(vault.ScopeCardsWrite, a.idempotent(nil, a.refreshSecurityCode)))
	mux.Handle("DELETE "+tokens+"/{id}/security-code", rt.Key(vault.ScopeCardsWrite, a.deleteSecurityCode))
	mux.Handle("POST "+tokens+"/{id}/forward", rt.Key(vault.ScopeForward, a.idempotent(nil, a.forward)))

	mux.Handle("GET "+APIPrefix+"/sessions/{id}", hideSessionID(rt.Key(vault.ScopeCardsRead, a.merchantSession)))

	mux.Handle("POST "+APIPrefix+"/metadata/inquiries", rt.Key(vault.ScopeCardsRead, a.idempotent(nil, a.inquire)))

	const keys = APIPrefix + "/admin/api-keys"
	mux.Handle("POST "+keys, rt.Key(vault.ScopeAdmin, a.idempotent(withoutKeyValue, a.createKey)))
	mux.Handle("GET "+keys, rt.Key(vault.ScopeAdmin, a.listKeys))
	mux.Handle("GET "+keys+"/{id}", rt.Key(vault.ScopeAdmin, a.getKey))
	mux.Handle("PATCH "+keys+"/{id}", rt.Key(vault.ScopeAdmin, a.updateKey))
	mux.Handle("DELETE "+keys+"/{id}", rt.Key(vault.ScopeAdmin, a.deleteKey))

	const network = APIPrefix + "/network/tokens"
	mux.Handle("POST "+network, rt.Key(vault.ScopeCardsWrite, a.idempotent(nil, a.createNetworkToken)))
	mux.Handle("GET "+network, rt.Key(vault.ScopeCardsRead, a.listNetworkTokens))
	mux.Handle("GET "+network+"/{id}", rt.Key(vault.ScopeCardsRead, a.getNetworkToken))
	mux.Handle("DELETE "+network+"/{id}", rt.Key(vault.ScopeCardsWrite, a.deleteNetworkToken))
	mux.Handle("POST "+network+"/{id}/cryptograms", rt.Key(vault.ScopeForward, a.idempotent(withoutInlineCryptogram, a.createCryptogram)))
	mux.Handle("POST "+network+"/{id}/forward", rt.Key(vault.ScopeForward, a.networkForward))

	const hooks = APIPrefix + "/admin/webhooks"
	mux.Handle("POST "+hooks, rt.Key(vault.ScopeWebhooks, a.createWebhook))
	mux.Handle("GET "+hooks, rt.Key(vault.ScopeWebhooks, a.listWebhooks))
	mux.Handle("GET "+hooks+"/{id}", rt.Key(vault.ScopeWebhooks, a.getWebhook))
	mux.Handle("DELETE "+hooks+"/{id}", rt.Key(vault.ScopeWebhooks, a.deleteWebhook))

	mux.Handle("GET "+SessionPrefix+"/{id}", hideSessionID(cors(rt.Serve(a.browserSession))))
	mux.Handle("POST "+SessionPrefix+"/{id}/complete-action", hideSessionID(cors(rt.Serve(a.completeAction))))
	mux.Handle("GET "+SessionPrefix+"/{id}/form", hideSessionID(rt.Serve(a.sessionForm)))
	mux.Handle("GET "+FramePrefix+"/{version}/iframe/", rt.Serve(a.sdkFrame))
	mux.Handle("OPTIONS "+SessionPrefix+"/{id}", hideSessionID(cors(preflight())))
	mux.Handle("OPTIONS "+SessionPrefix+"/{id}/complete-action", hideSessionID(cors(preflight())))
	// Every other request naming a session still keeps its id out of the log.
	mux.Handle(SessionPrefix+"/{id}", hideSessionID(a.wrongMethod("GET, OPTIONS")))
	mux.Handle(SessionPrefix+"/{id}/complete-action", hideSessionID(a.wrongMethod("POST, OPTIONS")))
	mux.Handle(SessionPrefix+"/{id}/{rest...}", hideSessionID(rt.Serve(a.noRoute)))
	mux.Handle(APIPrefix+"/sessions/{id}", hideSessionID(a.wrongMethod("GET")))
}

// Owns reports whether path is under /api, /sessions or /web.
func (a *API) Owns(path string) bool {
	return server.HasPrefix(path, APIPrefix) || server.HasPrefix(path, SessionPrefix) || server.HasPrefix(path, FramePrefix)
}

// credential returns the vault key a request carries: x-api-key first,
// then x-admin-token, then the server's other credential styles.
func credential(r *http.Request) string {
	if k := r.Header.Get("X-Api-Key"); k != "" {
		return k
	}
	if k := r.Header.Get("X-Admin-Token"); k != "" {
		return k
	}
	return server.Credential(r)
}

// record audits an action by the request's caller; a failure to audit
// fails the request, so nothing audited goes unrecorded.
func (a *API) record(r *http.Request, action string, detail map[string]string, targets ...string) error {
	return a.audit.Record(r.Context(), api.CallerEvent(r, action, detail, targets...))
}

// wrongMethod answers 405 naming the methods a route allows.
func (a *API) wrongMethod(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		a.WriteError(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed on this route")
	})
}

// noRoute answers 404 for a path no operation has.
func (a *API) noRoute(w http.ResponseWriter, r *http.Request) error {
	a.WriteError(w, r, http.StatusNotFound, "no such route")
	return nil
}
