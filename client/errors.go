package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Error codes the native API answers with (Error.Code).
const (
	CodeInvalid      = "invalid"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	CodeTooLarge     = "too_large"
	CodeRateLimited  = "rate_limited"
	CodeUnavailable  = "unavailable"
	CodeInternal     = "internal"
	// CodeUnexpected marks a 4xx answer that did not come in the vault's
	// error shape (a proxy's page, say).
	CodeUnexpected = "unexpected"
)

// Error is an answer of the vault other than success. Its message is the
// vault's public message, which never holds card data.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Code is the API's stable error code, such as CodeNotFound.
	Code string
	// Message is the API's human-readable explanation.
	Message string
	// Field names the offending request field, when the API named one.
	Field string
	// RequestID identifies the request in the vault's logs and audit log.
	RequestID string
}

// Error describes the failure with its code and request id.
func (e *Error) Error() string {
	s := fmt.Sprintf("cardvault: %s (%d): %s", e.Code, e.Status, e.Message)
	if e.Field != "" {
		s += " [field " + e.Field + "]"
	}
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// Is makes errors.Is(err, &client.Error{Code: client.CodeNotFound}) match
// any error with that code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code != "" && t.Code == e.Code
}

// ErrorCode returns the API code of err when it is (or wraps) an *Error,
// and "" otherwise (a network failure, a cancelled context).
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// apiError turns a non-2xx answer into an *Error, also when its body is not
// the native error shape (a proxy's page, say).
func apiError(resp *http.Response, raw []byte) *Error {
	var body struct {
		Error struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			Field     string `json:"field"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	if json.Unmarshal(raw, &body) == nil && body.Error.Code != "" {
		e.Code, e.Message, e.Field = body.Error.Code, body.Error.Message, body.Error.Field
		if body.Error.RequestID != "" {
			e.RequestID = body.Error.RequestID
		}
		return e
	}
	e.Code = CodeInternal
	if resp.StatusCode < 500 {
		e.Code = CodeUnexpected
	}
	e.Message = "unexpected answer: " + resp.Status
	return e
}
