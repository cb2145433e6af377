package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/consolesessions"
)

// Cookie names. The session cookie carries only a random secret; the
// session itself is a sealed record in the store, under the secret's hash.
const (
	sessionCookie = "cardvault_console"
	loginCookie   = "cardvault_console_login"
)

// Sessions stores signed-in operators' sessions where every node sees
// them (consolesessions over the vault's store), so no load balancer needs
// sticky sessions. Get returns vault.ErrNotFound for an unknown secret and
// consolesessions.ErrExpired, with the session, for one that has ended.
type Sessions interface {
	Create(ctx context.Context, p vault.Principal) (string, consolesessions.Session, error)
	Get(ctx context.Context, secret string) (consolesessions.Session, error)
	End(ctx context.Context, secret string) error
}

// session is a signed-in operator as the pages use it.
type session struct {
	principal vault.Principal
	csrf      string
}

// setCookie sets an HttpOnly, SameSite=Strict cookie under /console,
// Secure when the request came over TLS; an empty value deletes it.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string) {
	c := &http.Cookie{Name: name, Value: value, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil}
	if value == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

type sessionKey struct{}

// sessionFrom returns the session signedIn found.
func sessionFrom(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

// signedIn requires a live session whose key still works and is admin;
// otherwise it sends the browser to sign in. An expired session is audited.
func (c *Console) signedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
			return
		}
		stored, err := c.d.Sessions.Get(r.Context(), ck.Value)
		ss := &session{principal: stored.Principal, csrf: stored.CSRF}
		switch {
		case errors.Is(err, consolesessions.ErrExpired):
			_ = c.record(r, ss.principal.Tenant, ss.principal.KeyID, "console.refused", map[string]string{"reason": "session expired"})
			setCookie(w, r, sessionCookie, "")
			c.refuse(w, r, http.StatusUnauthorized, "Your session has expired. Sign in again.")
			return
		case errors.Is(err, vault.ErrNotFound):
			http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
			return
		case err != nil:
			c.d.Logger.ErrorContext(r.Context(), "console: reading the session failed", "err", server.RedactDigits(err.Error()))
			c.refuse(w, r, http.StatusServiceUnavailable, "Your session could not be read; the store did not answer. Try again.")
			return
		}
		// The key may have been revoked, or have expired, since sign-in.
		k, err := c.d.Keys.GetAPIKey(r.Context(), ss.principal.Tenant, ss.principal.KeyID)
		if err != nil || !k.RevokedAt.IsZero() || (!k.ExpiresAt.IsZero() && !c.d.Now().Before(k.ExpiresAt)) {
			_ = c.d.Sessions.End(r.Context(), ck.Value)
			_ = c.record(r, ss.principal.Tenant, ss.principal.KeyID, "console.refused", map[string]string{"reason": "key no longer valid"})
			setCookie(w, r, sessionCookie, "")
			c.refuse(w, r, http.StatusUnauthorized, "The key this session signed in with is no longer valid. Sign in again.")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, ss)))
	})
}

// posted guards a form post of a signed-in operator: same origin and the
// session's CSRF token, or a refusal that is audited.
func (c *Console) posted(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		if reason := c.checkPost(r, ss.csrf); reason != "" {
			_ = c.record(r, ss.principal.Tenant, ss.principal.KeyID, "console.refused", map[string]string{"reason": reason})
			c.refuse(w, r, http.StatusForbidden, "This form could not be accepted ("+reason+"). Reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// maxForm bounds a console form body.
const maxForm = 16 << 10

// checkPost returns why a post is refused, or "".
func (c *Console) checkPost(r *http.Request, token string) string {
	if !sameOrigin(r, c.o.PublicURL) {
		return "request from another origin"
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return "unreadable form"
	}
	got := r.PostForm.Get("csrf")
	if got == "" || token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
		return "missing or wrong CSRF token"
	}
	return ""
}

// sameOrigin refuses a post a browser sent from another origin: by
// Sec-Fetch-Site when present, else by Origin when present. (A post with
// neither comes from a non-browser client and still needs the CSRF token.)
// The Origin must name the request's own host, or be publicURL.
func sameOrigin(r *http.Request, publicURL string) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if publicURL != "" && origin == strings.TrimSuffix(publicURL, "/") {
		return true
	}
	// Compare hosts: behind a TLS-terminating proxy the vault sees http
	// while the browser's origin says https.
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host == r.Host
}
