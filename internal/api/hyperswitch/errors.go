package hyperswitch

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// Error types of Hyperswitch's error body: everything a client did wrong is
// invalid_request, the vault's own failures are api.
const (
	typeInvalidRequest = "invalid_request"
	typeAPI            = "api"
)

// Error codes, stable; docs/compat/hyperswitch.md lists each with its status.
const (
	codeUnauthorized  = "IR_01" // 401: missing or unknown API key
	codeUnknownURL    = "IR_02" // 404: no such route
	codeBadMethod     = "IR_03" // 405: method not allowed on the route
	codeMissing       = "IR_04" // 400: a required field is absent
	codeInvalidFormat = "IR_05" // 400: a field's value is malformed
	codeInvalidData   = "IR_06" // 400: malformed JSON, unknown field, wrong content type; 413: body too large
	codeInvalidValue  = "IR_07" // 400: a value outside the field's allowed set
	codeNotSupported  = "IR_19" // 400: valid in Hyperswitch, not offered by cardvault (or forbidden, like a new card number)
	codeForbidden     = "IR_22" // 403: the API key lacks the scope
	codeInternal      = "HE_00" // 500: the vault failed; the message carries the request id
	codeDuplicate     = "HE_01" // 409: merchant_reference_id already used in the profile
	codeNotFound      = "HE_02" // 404: customer or payment method not found (also in another profile)
)

// apiError is a failure the facade describes itself, with its code.
type apiError struct {
	status  int
	code    string
	message string
}

// Error returns the message.
func (e *apiError) Error() string { return e.message }

// missing reports a required field that is absent.
func missing(field string) error {
	return &apiError{http.StatusBadRequest, codeMissing, "Missing required param: " + field}
}

// badFormat reports a malformed value; why must never quote the value.
func badFormat(field, why string) error {
	return &apiError{http.StatusBadRequest, codeInvalidFormat, field + " contains invalid data: " + why}
}

// badValue reports a value outside the field's allowed set.
func badValue(field string) error {
	return &apiError{http.StatusBadRequest, codeInvalidValue, "Invalid value provided: " + field}
}

// unsupported reports something Hyperswitch accepts and cardvault does not.
func unsupported(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, codeNotSupported, fmt.Sprintf(format, args...)}
}

// decode reads a request body strictly (unknown fields are refused, as the
// document's additionalProperties: false says). Every decoding failure is
// IR_06, Hyperswitch's code for a body it cannot deserialize, and so is a
// body sent as anything but JSON: the document's request bodies are all
// application/json, and Hyperswitch refuses others (text/plain included,
// which the vault's shared decoder lets through for other dialects).
func decode[T any](r *http.Request) (T, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			var zero T
			return zero, &apiError{http.StatusBadRequest, codeInvalidData,
				"Content-Type must be application/json: the request body is JSON"}
		}
	}
	v, err := server.Decode[T](r, true)
	var e *vault.Error
	if errors.As(err, &e) && e.Code == vault.CodeInvalid {
		return v, &apiError{http.StatusBadRequest, codeInvalidData, e.Public}
	}
	return v, err
}

// errorBody is Hyperswitch's error shape.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Code    string `json:"code"`
}

// writeError writes one error in Hyperswitch's shape.
func writeError(w http.ResponseWriter, status int, code, message string) {
	typ := typeInvalidRequest
	if status >= 500 {
		typ = typeAPI
	}
	server.Encode(w, status, errorBody{Error: errorDetail{Type: typ, Message: message, Code: code}})
}

// fail writes err in Hyperswitch's shape: the one place that maps errors to
// responses. Internal causes are logged (redacted), never sent.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeError(w, ae.status, ae.code, ae.message)
		return
	}
	status, e := server.Fail(a.log, r, err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `api-key realm="cardvault"`)
	}
	writeError(w, status, vaultCode(e, status), e.Public)
}

// vaultCode picks the code of a domain error.
func vaultCode(e *vault.Error, status int) string {
	switch e.Code {
	case vault.CodeInvalid:
		return codeInvalidFormat
	case vault.CodeTooLarge:
		return codeInvalidData
	case vault.CodeNotFound, vault.CodeExpired:
		return codeNotFound
	case vault.CodeConflict:
		return codeDuplicate
	case vault.CodeUnauthorized:
		return codeUnauthorized
	case vault.CodeForbidden:
		return codeForbidden
	}
	return statusCode(status)
}

// statusCode picks the code for an HTTP status the router or middleware chose.
func statusCode(status int) string {
	switch status {
	case http.StatusNotFound:
		return codeUnknownURL
	case http.StatusMethodNotAllowed:
		return codeBadMethod
	case http.StatusUnauthorized:
		return codeUnauthorized
	case http.StatusForbidden:
		return codeForbidden
	case http.StatusConflict:
		return codeDuplicate
	}
	if status < 500 {
		return codeInvalidData
	}
	return codeInternal
}

// WriteError writes routing and middleware errors (unknown route, wrong
// method, body too large, panic) in Hyperswitch's shape.
func (a *API) WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	if status == http.StatusNotFound {
		message = "Unrecognized request URL"
	}
	writeError(w, status, statusCode(status), message)
}
