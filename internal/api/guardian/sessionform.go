package guardian

import (
	"net/http"
	"net/url"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/sessions"
	"github.com/cardvault/cardvault/internal/web"
)

// The session form is cardvault's own hosted page for a session, for
// merchants that do not use Hellgate's browser SDK: GET /sessions/{id}/form
// shows the card form (or, for a security-code session, the security code
// alone), which completes the session through POST
// /sessions/{id}/complete-action with the card fields in the clear, exactly
// as a client without the SDK would. Like the other browser routes it takes
// no API key (the session id is the credential) and its path reaches the
// access log with the id replaced. It is a page, not an API: strict CSP with
// a fresh nonce, no referrer, no caching, framed only by the vault itself or
// by the origins the session's creator allowed.

// Statuses of a session form that cannot be shown: an id that names no
// session is unknown (404); a session that existed but can no longer be
// completed (completed, failed, expired, or its card deleted) is gone (410).
const (
	formUnknown = http.StatusNotFound
	formGone    = http.StatusGone
)

// sessionForm serves a pending session's form: GET /sessions/{id}/form.
func (a *API) sessionForm(w http.ResponseWriter, r *http.Request) error {
	nonce := web.NewNonce()
	s, err := a.sessions.Session(r.Context(), r.PathValue("id"))
	if err != nil {
		a.formError(w, r, nonce, nil, err, formUnknown, "This card form does not exist. Check the link, or ask the shop for a new one.")
		return nil
	}
	if msg := goneMessage(s.State); msg != "" {
		a.formPage(w, r, web.ErrorPage{Nonce: nonce, Status: formGone, Message: msg, AllowedOrigins: s.AllowedOrigins})
		return nil
	}
	cfg := web.FormConfig{Nonce: nonce, AllowedOrigins: s.AllowedOrigins,
		SubmitURL: SessionPrefix + "/" + url.PathEscape(s.ID) + "/complete-action"}
	if cfg.SuccessCallback, err = capturedScript(s.ID, s.AllowedOrigins); err != nil {
		a.formError(w, r, nonce, s.AllowedOrigins, err, 0, "")
		return nil
	}
	switch s.Purpose {
	case sessions.SecurityCode:
		c, err := a.vault.GetCard(r.Context(), s.Tenant, s.CardID)
		if err != nil {
			a.formError(w, r, nonce, s.AllowedOrigins, err, formGone, "The card this form was for no longer exists. Return to the shop and start again.")
			return nil
		}
		cfg.Title = "Security code for the card ending " + c.Last4
		cfg.Fields = []web.Field{{Name: web.FieldCVV, Validate: true}}
		cfg.Body = web.BodyShape{Rename: map[string]string{"cvv": "security_code"},
			WrapIn: "result", Wrap: map[string]string{"action": actionSecurityCode}}
	default:
		cfg.Fields = []web.Field{{Name: web.FieldCardNumber, Validate: true}, {Name: web.FieldExpiry, Validate: true},
			{Name: web.FieldCVV, Validate: true}, {Name: web.FieldCardHolder, Validate: true}}
		cfg.Body = web.BodyShape{Rename: clearCardNames, WrapIn: "result", Wrap: map[string]string{"action": actionTokenize}}
	}
	if err := web.RenderForm(w, cfg); err != nil {
		a.formError(w, r, nonce, nil, err, 0, "")
	}
	return nil
}

// clearCardNames renames the form's fields to the clear card fields that
// complete-action takes (cardFields): account_number, expiry_month,
// expiry_year (the form sends both as digit strings, which parseInt
// accepts), security_code and cardholder_name. The form's other fields are
// not sent.
var clearCardNames = map[string]string{"card_number": "account_number", "cvv": "security_code",
	"card_holder": "cardholder_name", "expiry": "", "expiry_year_short": "", "last_four": "", "card_type": ""}

// goneMessage tells the shopper why a session's form is gone, or returns ""
// for a pending session.
func goneMessage(st sessions.State) string {
	switch st {
	case sessions.Pending:
		return ""
	case sessions.Completed:
		return "This card form was already used. Return to the shop to continue."
	case sessions.Expired:
		return "This card form has expired. Return to the shop and start again."
	}
	return "This card form can no longer be used. Return to the shop and start again."
}

// formError answers a form request that failed with an error page: a
// session or card that is not found gets status missing and message; any
// other failure is logged and shown as a generic 5xx.
func (a *API) formError(w http.ResponseWriter, r *http.Request, nonce string, origins []string, err error, missing int, message string) {
	status := missing
	if vault.CodeOf(err) != vault.CodeNotFound {
		status, _ = server.Fail(a.log, r, err)
		message = "This card form cannot be shown right now. Try again in a moment."
	}
	a.formPage(w, r, web.ErrorPage{Nonce: nonce, Status: status, Message: message, AllowedOrigins: origins})
}

// formPage writes an error page, or Guardian's error shape when even that
// cannot be rendered.
func (a *API) formPage(w http.ResponseWriter, r *http.Request, p web.ErrorPage) {
	if err := web.RenderError(w, p); err != nil {
		a.log.ErrorContext(r.Context(), "render session form error page", "err", err)
		a.WriteError(w, r, http.StatusInternalServerError, "the page cannot be shown")
	}
}
