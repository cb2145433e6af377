package gr4vy

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// errorBody is Gr4vy's error shape (Error400 … Error504 in the spec).
type errorBody struct {
	Type    string        `json:"type"`
	Code    string        `json:"code"`
	Status  int           `json:"status"`
	Message string        `json:"message"`
	Details []errorDetail `json:"details"`
}

// errorDetail is Gr4vy's ErrorDetail: which input was wrong and why.
type errorDetail struct {
	Location string `json:"location"`
	Pointer  string `json:"pointer"`
	Message  string `json:"message"`
	Type     string `json:"type"`
}

// Where in the request a bad input was (Gr4vy's ErrorLocation).
const (
	inBody   = "body"
	inQuery  = "query"
	inPath   = "path"
	inHeader = "header"
)

// errorCode is the one status → code table, from the spec's Error schemas.
func errorCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusConflict:
		return "duplicate_record"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusTooEarly:
		return "too_early"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	case http.StatusBadGateway:
		return "bad_gateway"
	case http.StatusServiceUnavailable:
		return "service_unavailable"
	case http.StatusGatewayTimeout:
		return "gateway_timeout"
	}
	if status < 500 {
		return "bad_request"
	}
	return "server_error"
}

// writeError writes an error in Gr4vy's shape.
func writeError(w http.ResponseWriter, status int, message string, details []errorDetail) {
	if details == nil {
		details = []errorDetail{}
	}
	server.Encode(w, status, errorBody{Type: "error", Code: errorCode(status), Status: status,
		Message: message, Details: details})
}

// inputError is a bad input with the part of the request it was in.
type inputError struct {
	location string
	err      *vault.Error
}

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// invalid makes a 400 naming the input (a body field, query parameter,
// path parameter or header) and the rule it broke. The message must never
// hold the input's value.
func invalid(location, field, format string, args ...any) error {
	return &inputError{location: location, err: vault.Invalid(field, format, args...)}
}

// gr4vyField names the core's field names in Gr4vy's words.
var gr4vyField = map[string]string{
	"card_number": "number",
	"expiry":      "expiration_date",
	"reference":   "external_identifier",
}

// fail writes err in Gr4vy's shape: the one place errors become responses.
// Internal causes are logged (redacted) and never sent.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, e := server.Fail(a.log, r, err)
	// Defence in depth: no public message may carry a card-number-like run
	// (server.DecodeBytes, for one, quotes unknown JSON keys).
	msg := server.RedactDigits(e.Public)
	var details []errorDetail
	if e.Field != "" && status < 500 {
		loc := inBody
		var ie *inputError
		if errors.As(err, &ie) {
			loc = ie.location
		}
		pointer := "/" + e.Field
		switch f, ok := gr4vyField[e.Field]; {
		case e.Field == "body":
			pointer = "" // the whole document
		case e.Field == "content-type":
			loc = inHeader
		case ok:
			pointer = "/" + f
		}
		details = []errorDetail{{Location: loc, Pointer: server.RedactDigits(pointer), Message: msg, Type: "value_error"}}
	}
	writeError(w, status, msg, details)
}

// notFound is the one answer for a payment method that does not exist or
// belongs to another merchant account: the two are indistinguishable.
var notFound = &vault.Error{Code: vault.CodeNotFound, Public: "the payment method could not be found"}

// errorf makes a public error of the given code.
func errorf(code vault.Code, format string, args ...any) error {
	return &vault.Error{Code: code, Public: fmt.Sprintf(format, args...)}
}
