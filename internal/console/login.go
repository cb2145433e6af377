package console

import (
	"net/http"
	"strings"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// loginPage shows the sign-in form with a fresh login CSRF token, also
// set as a cookie: the post must carry both, equal.
func (c *Console) loginPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := seal.NewSecret()
		setCookie(w, r, loginCookie, token)
		c.render(w, r, http.StatusOK, "login", view{Title: "Sign in", CSRF: token})
	})
}

// login exchanges an admin API key for a session. The key itself is never
// stored: the session holds the key's id and scopes.
func (c *Console) login() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refused := func(status int, tenant, actor, reason, message string) {
			_ = c.record(r, tenant, actor, "console.signin_refused", map[string]string{"reason": reason})
			token := seal.NewSecret()
			setCookie(w, r, loginCookie, token)
			c.render(w, r, status, "login", view{Title: "Sign in", CSRF: token, Error: message})
		}
		ck, _ := r.Cookie(loginCookie)
		want := ""
		if ck != nil {
			want = ck.Value
		}
		if reason := c.checkPost(r, want); reason != "" {
			refused(http.StatusForbidden, "", "unknown", reason, "This form could not be accepted ("+reason+"). Try again.")
			return
		}
		secret := strings.TrimSpace(r.PostForm.Get("key"))
		p, err := c.d.Keys.Authenticate(r.Context(), secret)
		if err != nil || secret == "" {
			refused(http.StatusUnauthorized, "", "unknown", "unknown key", "That API key is not valid.")
			return
		}
		if !p.Can(vault.ScopeAdmin) {
			refused(http.StatusForbidden, p.Tenant, p.KeyID, "not an admin key", "The console needs a key with the admin scope.")
			return
		}
		id, _, err := c.d.Sessions.Create(r.Context(), p)
		if err != nil {
			c.d.Logger.ErrorContext(r.Context(), "console: storing the session failed", "err", server.RedactDigits(err.Error()))
			c.refuse(w, r, http.StatusServiceUnavailable, "The session could not be stored; the store did not answer. Try again.")
			return
		}
		if err := c.record(r, p.Tenant, p.KeyID, "console.signin", nil); err != nil {
			_ = c.d.Sessions.End(r.Context(), id)
			c.refuse(w, r, http.StatusInternalServerError, "Sign-in could not be audited, so it was refused.")
			return
		}
		setCookie(w, r, loginCookie, "")
		setCookie(w, r, sessionCookie, id)
		http.Redirect(w, r, Prefix+"/keys", http.StatusSeeOther)
	})
}

// logout ends the session.
func (c *Console) logout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		if ck, err := r.Cookie(sessionCookie); err == nil {
			_ = c.d.Sessions.End(r.Context(), ck.Value)
		}
		_ = c.record(r, ss.principal.Tenant, ss.principal.KeyID, "console.signout", nil)
		setCookie(w, r, sessionCookie, "")
		http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
	})
}
