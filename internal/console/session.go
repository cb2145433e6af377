package console

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// Cookie names. The session cookie carries only a random id; everything
// else stays on the server.
const (
	sessionCookie = "cardvault_console"
	loginCookie   = "cardvault_console_login"
)

// session is a signed-in operator.
type session struct {
	principal vault.Principal
	csrf      string
	created   time.Time
	lastSeen  time.Time
}

// sessions is the server-side session table, keyed by the SHA-256 of the
// cookie value, so the table alone cannot be replayed as cookies.
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func newSessions() *sessions { return &sessions{m: map[string]*session{}} }

// key hashes a cookie value.
func key(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// create starts a session and returns its cookie value.
func (s *sessions) create(p vault.Principal, now time.Time) (string, *session) {
	id := seal.NewSecret()
	ss := &session{principal: p, csrf: seal.NewSecret(), created: now, lastSeen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, old := range s.m { // drop sessions idle for a day, so the table stays small
		if now.Sub(old.lastSeen) > 24*time.Hour {
			delete(s.m, k)
		}
	}
	s.m[key(id)] = ss
	return id, ss
}

// get finds a session; expired says it existed but is too old (and is
// now gone).
func (s *sessions) get(id string, now time.Time, ttl, max time.Duration) (ss *session, expired bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss = s.m[key(id)]
	if ss == nil {
		return nil, false
	}
	if now.Sub(ss.lastSeen) > ttl || now.Sub(ss.created) > max {
		delete(s.m, key(id))
		return ss, true
	}
	ss.lastSeen = now
	return ss, false
}

// end removes a session.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key(id))
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
		ss, expired := c.sessions.get(ck.Value, c.d.Now(), c.o.SessionTTL, c.o.SessionMax)
		if ss == nil {
			http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
			return
		}
		if expired {
			_ = c.record(r, ss.principal.Tenant, ss.principal.KeyID, "console.refused", map[string]string{"reason": "session expired"})
			setCookie(w, r, sessionCookie, "")
			c.refuse(w, r, http.StatusUnauthorized, "Your session has expired. Sign in again.")
			return
		}
		// The key may have been revoked, or have expired, since sign-in.
		k, err := c.d.Keys.GetAPIKey(r.Context(), ss.principal.Tenant, ss.principal.KeyID)
		if err != nil || !k.RevokedAt.IsZero() || (!k.ExpiresAt.IsZero() && !c.d.Now().Before(k.ExpiresAt)) {
			c.sessions.end(ck.Value)
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
