package guardian

import (
	"net/http"
	"regexp"
	"slices"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/web"
	"github.com/cardvault/cardvault/internal/web/hgframe"
)

// The frames behind Hellgate's Web SDK (@starfish-codes/hellgate 3.x),
// which loads them from https://${window.HG_IFRAME_HOST}/web/{version}/iframe/:
// a field frame per card input (?field=NAME&origin=ORIGIN) and one
// coordinator frame per session
// (?type=coordinator&sessionId=ID&apiBaseUrl=URL&origin=ORIGIN). Like the
// session form they take no API key and are pages, not API routes: strict
// CSP with a fresh nonce, framed only by the declared origin. A field frame
// holds no session and no secret; the coordinator is served only for a
// pending session that allows the declared origin (source.allowed_origins),
// so a page on any other origin gets an error page it cannot frame, and no
// message. The session id travels in the query, which the access log never
// prints. internal/web/hgframe renders the pages and keeps their
// invariants.

// FramePrefix is where the Web SDK's frames live.
const FramePrefix = "/web"

// sdkVersion is a version of the SDK whose frames cardvault serves: 3.x.
var sdkVersion = regexp.MustCompile(`^v3\.[0-9]{1,3}\.[0-9]{1,3}$`)

// sdkFrame serves a field or coordinator frame: GET /web/{version}/iframe/.
func (a *API) sdkFrame(w http.ResponseWriter, r *http.Request) error {
	nonce := web.NewNonce()
	q := r.URL.Query()
	if r.URL.Path != FramePrefix+"/"+r.PathValue("version")+"/iframe/" || !sdkVersion.MatchString(r.PathValue("version")) {
		a.formPage(w, r, web.ErrorPage{Nonce: nonce, Status: http.StatusNotFound, Message: "cardvault serves the frames of Hellgate's Web SDK 3.x only."})
		return nil
	}
	origin, err := vault.ParseFormOrigin(q.Get("origin"))
	if err != nil || origin != q.Get("origin") {
		a.formPage(w, r, web.ErrorPage{Nonce: nonce, Message: "The page did not declare its origin."})
		return nil
	}
	if q.Get("type") == "coordinator" {
		return a.coordinatorFrame(w, r, nonce, origin)
	}
	field := q.Get("field")
	if !hgframe.IsElement(field) {
		a.formPage(w, r, web.ErrorPage{Nonce: nonce, Message: "This card field does not exist."})
		return nil
	}
	if err := hgframe.RenderField(w, hgframe.Field{Nonce: nonce, Element: field, Origin: origin}); err != nil {
		a.formError(w, r, nonce, nil, err, 0, "")
	}
	return nil
}

// coordinatorFrame serves the coordinator of a pending session that allows
// origin, or an error page only the vault itself may frame.
func (a *API) coordinatorFrame(w http.ResponseWriter, r *http.Request, nonce, origin string) error {
	q := r.URL.Query()
	s, err := a.sessions.Session(r.Context(), q.Get("sessionId"))
	if err != nil {
		a.formError(w, r, nonce, nil, err, formUnknown, "This card session does not exist.")
		return nil
	}
	if !slices.Contains(s.AllowedOrigins, origin) {
		a.formPage(w, r, web.ErrorPage{Nonce: nonce, Status: http.StatusForbidden, Message: "This card session is not open to this page."})
		return nil
	}
	if msg := goneMessage(s.State); msg != "" {
		a.formPage(w, r, web.ErrorPage{Nonce: nonce, Status: formGone, Message: msg})
		return nil
	}
	err = hgframe.RenderCoordinator(w, hgframe.Coordinator{Nonce: nonce, Origin: origin, SessionID: s.ID, APIBase: q.Get("apiBaseUrl")})
	if err != nil {
		a.formError(w, r, nonce, nil, err, 0, "")
	}
	return nil
}
