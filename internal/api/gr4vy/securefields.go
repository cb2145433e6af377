package gr4vy

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/checkouts"
	"github.com/cardvault/cardvault/internal/web"
)

// Gr4vy's Secure Fields library (@gr4vy/secure-fields) loads its frames
// from the root of window.SECURE_FIELDS_FRAME_URL, which must be an origin
// (the library compares it with each message's origin): an input frame per
// field, input.html?parentOrigin=…&type=…, and a controller,
// controller.html?parentOrigin=…&sessionId=…&gr4vyId=…&environment=…
// [&paymentMethodId=…]. They are pages, not API: no key (the checkout
// session's id is the credential, as at Gr4vy), strict CSP with a fresh
// nonce, framed only by the parent origin the library declares, which is
// also the only origin they post messages to. A checkout session that
// lists allowed_origins (cardvault's extension) refuses its controller to
// every other origin: such a page gets no frame, no message and no card.
const (
	pathFieldFrame      = "/input.html"
	pathControllerFrame = "/controller.html"
)

// frameQuery is what a frame's URL says.
type frameQuery struct {
	parent, fieldType, scheme, session, paymentMethod string
}

// schemeParam is a stored card's scheme as the library passes it.
var schemeParam = regexp.MustCompile(`^[a-z-]{1,32}$`)

// parseFrameQuery reads a frame's query: the field's (controller false) or
// the controller's. Parameters the frames do not use (font, gr4vyId,
// environment) are ignored.
func parseFrameQuery(q url.Values, controller bool) (frameQuery, error) {
	var f frameQuery
	parent, err := vault.ParseFormOrigin(q.Get("parentOrigin"))
	if err != nil || q.Get("parentOrigin") != parent {
		return f, errors.New("parentOrigin must be the page's origin, such as https://shop.example")
	}
	if u, _ := url.Parse(parent); u.Scheme != "https" && !loopbackHost(u.Hostname()) {
		return f, errors.New("parentOrigin must be an https origin (or http on localhost)")
	}
	f.parent = parent
	if controller {
		id, err := uuid.Parse(q.Get("sessionId"))
		if err != nil {
			return f, errors.New("sessionId must be a checkout session's id")
		}
		f.session = id.String()
		if pm := q.Get("paymentMethodId"); pm != "" {
			id, err := uuid.Parse(pm)
			if err != nil {
				return f, errors.New("paymentMethodId must be a payment method's id")
			}
			f.paymentMethod = id.String()
		}
		return f, nil
	}
	f.fieldType = q.Get("type")
	if !web.IsSecureFieldType(f.fieldType) {
		return f, errors.New("type must be number, expiryDate, securityCode or postalCode")
	}
	if s := q.Get("paymentMethodScheme"); s != "" {
		if !schemeParam.MatchString(s) {
			return f, errors.New("paymentMethodScheme must be a scheme name such as visa")
		}
		if s == "visa" || s == "mastercard" || s == "amex" || s == "discover" || s == "diners-club" ||
			s == "jcb" || s == "unionpay" || s == "maestro" {
			f.scheme = s
		}
	}
	return f, nil
}

// loopbackHost says whether an origin's host is this machine, where plain
// http is a developer's page.
func loopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// framePageError shows what is wrong with a frame's URL, framed only by
// framers (nil: the vault itself).
func framePageError(w http.ResponseWriter, nonce string, status int, message string, framers []string) error {
	return web.RenderError(w, web.ErrorPage{Nonce: nonce, Status: status, Title: "Secure Fields are not available",
		Message: message, AllowedOrigins: framers})
}

// fieldFrame serves one field: GET /input.html.
func (a *API) fieldFrame(w http.ResponseWriter, r *http.Request) error {
	nonce := web.NewNonce()
	q, err := parseFrameQuery(r.URL.Query(), false)
	if err != nil {
		return framePageError(w, nonce, http.StatusBadRequest, err.Error(), nil)
	}
	return web.RenderSecureField(w, web.SecureFieldConfig{Nonce: nonce, ParentOrigin: q.parent, Type: q.fieldType, Scheme: q.scheme})
}

// controllerFrame serves the controller of a checkout session's fields:
// GET /controller.html. A session that is missing or expired still gets
// its controller, whose submit then reports Gr4vy's 404 through the
// library's CARD_VAULT_FAILURE event.
func (a *API) controllerFrame(w http.ResponseWriter, r *http.Request) error {
	nonce := web.NewNonce()
	if a.checkouts == nil {
		return framePageError(w, nonce, http.StatusNotFound, "Checkout sessions are not available in this vault.", nil)
	}
	q, err := parseFrameQuery(r.URL.Query(), true)
	if err != nil {
		return framePageError(w, nonce, http.StatusBadRequest, err.Error(), nil)
	}
	s, err := a.checkouts.Find(r.Context(), q.session)
	if err != nil && vault.AsError(err).Code != vault.CodeNotFound {
		return err
	}
	if allowed := sessionOrigins(s); len(allowed) > 0 && !slices.Contains(allowed, q.parent) {
		return framePageError(w, nonce, http.StatusForbidden,
			"This checkout session does not allow this page's origin to use Secure Fields.", allowed)
	}
	return web.RenderSecureController(w, web.SecureControllerConfig{Nonce: nonce, ParentOrigin: q.parent,
		FieldsURL: pathCheckoutSessions + "/" + q.session + "/fields", PaymentMethodID: q.paymentMethod})
}

// sessionOrigins returns the origins a session allows to use its frames
// (none: any https origin).
func sessionOrigins(s checkouts.Session) []string {
	var d struct {
		AllowedOrigins []string `json:"allowed_origins"`
	}
	_ = json.Unmarshal(s.Details, &d) // written by this facade
	return d.AllowedOrigins
}

// normaliseOrigins checks allowed_origins and writes them as browsers
// serialise origins, without repeats.
func (in *checkoutInput) normaliseOrigins() error {
	if len(in.AllowedOrigins) > vault.MaxFormOrigins {
		return invalid(inBody, "allowed_origins", "allowed_origins may list at most %d origins", vault.MaxFormOrigins)
	}
	var out []string
	for i, o := range in.AllowedOrigins {
		norm, err := vault.ParseFormOrigin(o)
		if err != nil {
			return invalid(inBody, "allowed_origins", "allowed_origins[%d]: %s", i, vault.AsError(err).Public)
		}
		if !slices.Contains(out, norm) {
			out = append(out, norm)
		}
	}
	if in.AllowedOrigins != nil && out == nil {
		out = []string{}
	}
	in.AllowedOrigins = out
	return nil
}
