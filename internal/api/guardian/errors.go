package guardian

import (
	"errors"
	"net/http"
	"strings"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// errorBody is Guardian's error shape: the HTTP status again as code, a
// stable technical classifier and a message for people.
type errorBody struct {
	Code       int    `json:"code"`
	Classifier string `json:"classifier"`
	Message    string `json:"message"`
}

// apiError is a failure with its own status and classifier, for the cases
// the vault's codes do not tell apart (422, 501, upstream failures).
type apiError struct {
	status     int
	classifier string
	message    string
}

func (e *apiError) Error() string { return e.message }

// classifiers names each status the facade answers with.
var classifiers = map[int]string{
	http.StatusBadRequest:            "BAD_REQUEST",
	http.StatusUnauthorized:          "UNAUTHORIZED",
	http.StatusForbidden:             "FORBIDDEN",
	http.StatusNotFound:              "NOT_FOUND",
	http.StatusMethodNotAllowed:      "METHOD_NOT_ALLOWED",
	http.StatusConflict:              "CONFLICT",
	http.StatusRequestEntityTooLarge: "PAYLOAD_TOO_LARGE",
	http.StatusUnprocessableEntity:   "UNPROCESSABLE_ENTITY",
	http.StatusTooManyRequests:       "TOO_MANY_REQUESTS",
	http.StatusInternalServerError:   "INTERNAL_SERVER_ERROR",
	http.StatusNotImplemented:        "NOT_IMPLEMENTED",
	http.StatusBadGateway:            "BAD_GATEWAY",
	http.StatusServiceUnavailable:    "SERVICE_UNAVAILABLE",
	http.StatusGatewayTimeout:        "GATEWAY_TIMEOUT",
}

// classifierFor returns the classifier of a status.
func classifierFor(status int) string {
	if c, ok := classifiers[status]; ok {
		return c
	}
	return strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
}

// WriteError writes Guardian's error shape; the server uses it for unknown
// routes and wrong methods under /api and /sessions.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	writeError(w, r, status, classifierFor(status), message)
}

// writeError writes one error body. Browser routes get CORS headers on
// errors too, so the SDK can read them.
func writeError(w http.ResponseWriter, r *http.Request, status int, classifier, message string) {
	if server.HasPrefix(r.URL.Path, SessionPrefix) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}
	server.Encode(w, status, errorBody{Code: status, Classifier: classifier, Message: message})
}

// fail writes err in Guardian's shape: the one place that maps errors to
// responses. Internal causes are logged and never sent.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var te *forward.TemplateError
	var re *forward.RefusedError
	var ue *forward.UpstreamError
	switch {
	case errors.As(err, &ae):
		writeError(w, r, ae.status, ae.classifier, ae.message)
		return
	case errors.Is(err, vault.ErrIdempotencyMismatch):
		writeError(w, r, http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED", vault.AsError(err).Public)
		return
	case errors.Is(err, vault.ErrIdempotencyInProgress):
		writeError(w, r, http.StatusConflict, "IDEMPOTENCY_KEY_IN_PROGRESS", vault.AsError(err).Public)
		return
	case errors.As(err, &te):
		writeError(w, r, http.StatusBadRequest, "INVALID_TEMPLATE", te.Error())
		return
	case errors.As(err, &re):
		if destinationRefused(re) {
			writeError(w, r, http.StatusForbidden, "DESTINATION_NOT_ALLOWED", re.Error())
		} else {
			writeError(w, r, http.StatusBadRequest, "FORWARD_REFUSED", re.Error())
		}
		return
	case errors.As(err, &ue):
		a.log.WarnContext(r.Context(), "forward failed", "request_id", server.RequestIDFrom(r.Context()),
			"kind", string(ue.Kind), "err", server.RedactDigits(errString(ue.Err)))
		status := http.StatusBadGateway
		if ue.Kind == forward.UpstreamTimeout {
			status = http.StatusGatewayTimeout
		}
		writeError(w, r, status, classifierFor(status), ue.Error())
		return
	}
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		writeError(w, r, http.StatusServiceUnavailable, "REQUEST_CANCELED", "the request was canceled")
		return
	}
	var ie *card.InvalidError
	if errors.As(err, &ie) {
		err = vault.Invalid(ie.Field, "%s", ie.Error())
	}
	status, e := server.Fail(a.log, r, err)
	msg := e.Public
	if e.Field != "" && !strings.Contains(msg, e.Field) {
		msg = e.Field + ": " + msg
	}
	if status == http.StatusUnauthorized {
		msg = "missing or invalid API key (send it in x-api-key)"
	}
	writeError(w, r, status, classifierFor(status), msg)
}

// errString is err's text, or "" for nil.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// badRequest makes a 400 naming the field that broke a rule.
func badRequest(field, format string, args ...any) error {
	return vault.Invalid(field, format, args...)
}

// destinationRefused tells a destination the allowlist refuses (403) from
// a malformed forward (400).
func destinationRefused(e *forward.RefusedError) bool {
	for _, p := range []string{"no allow rule", "no forward destinations", "destination resolves"} {
		if strings.HasPrefix(e.Reason, p) {
			return true
		}
	}
	return false
}
