// Package console is the operator console at /console: sign-in with an
// admin API key into a server-side session, API keys (list, create with
// the secret shown once, revoke, last use), the audit log (filter, verify
// the chain), recent forwards, hosted forms, network tokens (last four digits) and
// their lifecycle events, webhook endpoints (host only) and their
// deliveries, tenants (platform admins only)
// and a health page from the same counters as /metrics. Pages are rendered
// on the server with html/template under a strict Content-Security-Policy:
// no script, no external asset. Every form post carries a CSRF token and a
// same-origin check; every refusal is audited. It never shows card data.
package console

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// Prefix is where the console lives.
const Prefix = "/console"

// Keys is the API key service the console signs in with and manages.
type Keys interface {
	Authenticate(ctx context.Context, secret string) (vault.Principal, error)
	GetAPIKey(ctx context.Context, tenant, id string) (vault.APIKey, error)
	ListAPIKeys(ctx context.Context, tenant string, p vault.Page) ([]vault.APIKey, error)
	CreateAPIKey(ctx context.Context, in vault.NewAPIKey) (vault.APIKey, string, error)
	RevokeAPIKey(ctx context.Context, tenant, id string) error
}

// AuditLog is the chain the console records to, lists and verifies.
type AuditLog interface {
	Record(ctx context.Context, ev audit.Event) error
	Each(ctx context.Context, tenant string, fn func(audit.Entry) error) error
	Verify(ctx context.Context, tenant string) (int64, error)
}

// Deps are what the console is built from. Metrics is the registry /metrics
// serves; Now defaults to time.Now.
type Deps struct {
	Keys  Keys
	Audit AuditLog
	// Tenants, when set, adds the tenants page for platform:admin keys.
	Tenants Tenants
	// Forms, when set, lists hosted forms on the forms page.
	Forms Forms
	// NetworkTokens, when set, lists network tokens and their events.
	NetworkTokens NetworkTokens
	// Webhooks, when set, lists webhook endpoints and their deliveries.
	Webhooks Webhooks
	// Previews, when set with Forms, adds each form's live preview.
	Previews Previews
	// Sessions keeps the sign-in sessions (consolesessions.Service).
	Sessions Sessions
	// Allowlist is the forward relay's allowlist, shown on the forwards
	// page: one list for every tenant.
	Allowlist []AllowRule
	Metrics   prometheus.Gatherer
	Logger    *slog.Logger
	Now       func() time.Time
}

// Options tune the console; zero values take the defaults.
type Options struct {
	// PublicURL is the scheme and host browsers reach the vault at
	// (CARDVAULT_PUBLIC_URL); a post whose Origin is exactly it is same-origin
	// even when a proxy rewrote the Host. Empty: only the request's Host counts.
	PublicURL string
}

// Console serves the operator console. It is a server.Facade.
type Console struct {
	d       Deps
	o       Options
	pages   map[string]*template.Template
	started time.Time
}

var _ server.Facade = (*Console)(nil)

//go:embed templates/*.html console.css
var assets embed.FS

// New returns the console.
func New(d Deps, o Options) *Console {
	if d.Now == nil {
		d.Now = time.Now
	}
	c := &Console{d: d, o: o, pages: map[string]*template.Template{}, started: d.Now()}
	for _, p := range []string{"login", "keys", "audit", "health", "refused", "tenants", "forwards", "forms", "preview", "networktokens", "webhooks"} {
		c.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+p+".html"))
	}
	return c
}

// Routes registers the console's pages.
func (c *Console) Routes(mux *server.Mux) {
	mux.Handle("GET "+Prefix, http.RedirectHandler(Prefix+"/", http.StatusSeeOther))
	mux.Handle("GET "+Prefix+"/{$}", c.signedIn(c.home()))
	mux.Handle("GET "+Prefix+"/console.css", stylesheet())
	mux.Handle("GET "+Prefix+"/login", c.loginPage())
	mux.Handle("POST "+Prefix+"/login", c.login())
	mux.Handle("POST "+Prefix+"/logout", c.signedIn(c.posted(c.logout())))
	mux.Handle("GET "+Prefix+"/keys", c.signedIn(c.keysPage()))
	mux.Handle("POST "+Prefix+"/keys", c.signedIn(c.posted(c.createKey())))
	mux.Handle("POST "+Prefix+"/keys/{id}/revoke", c.signedIn(c.posted(c.revokeKey())))
	mux.Handle("GET "+Prefix+"/audit", c.signedIn(c.auditPage()))
	mux.Handle("POST "+Prefix+"/audit/verify", c.signedIn(c.posted(c.verify())))
	mux.Handle("GET "+Prefix+"/health", c.signedIn(c.healthPage()))
	mux.Handle("GET "+Prefix+"/forwards", c.signedIn(c.forwardsPage()))
	mux.Handle("GET "+Prefix+"/forms", c.signedIn(c.formsPage()))
	mux.Handle("POST "+Prefix+"/forms/{id}/preview", c.signedIn(c.posted(c.previewForm())))
	mux.Handle("GET "+Prefix+"/network-tokens", c.signedIn(c.networkTokensPage()))
	mux.Handle("GET "+Prefix+"/webhooks", c.signedIn(c.webhooksPage()))
	mux.Handle("GET "+Prefix+"/tenants", c.signedIn(c.platformOnly(c.tenantsPage())))
	mux.Handle("POST "+Prefix+"/tenants", c.signedIn(c.posted(c.platformOnly(c.createTenant()))))
	mux.Handle("POST "+Prefix+"/tenants/{id}/disable", c.signedIn(c.posted(c.platformOnly(c.disableTenant()))))
}

// Owns reports whether path is under /console.
func (c *Console) Owns(path string) bool { return server.HasPrefix(path, Prefix) }

// WriteError answers routing errors (unknown page, wrong method) with a page.
func (c *Console) WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	c.refuse(w, r, status, message)
}

// home sends a signed-in operator to the keys page.
func (c *Console) home() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/keys", http.StatusSeeOther)
	})
}

// stylesheet serves the console's only asset.
func stylesheet() http.Handler {
	css, _ := assets.ReadFile("console.css")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(css)
	})
}

// record audits a console action; a failure is logged, and the caller
// decides whether it fails the request.
func (c *Console) record(r *http.Request, tenant, actor, action string, detail map[string]string, targets ...string) error {
	if tenant == "" {
		tenant = vault.DefaultTenant
	}
	err := c.d.Audit.Record(r.Context(), audit.Event{Tenant: tenant, Actor: actor, Action: action, Targets: targets,
		Detail: detail, RequestID: server.RequestIDFrom(r.Context())})
	if err != nil {
		c.d.Logger.ErrorContext(r.Context(), "console: audit failed", "action", action, "err", server.RedactDigits(err.Error()))
	}
	return err
}
