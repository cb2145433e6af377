package server

import (
	"log/slog"
	"net/http"

	"github.com/cardvault/cardvault/internal/vault"
)

// nativeError is the native API's error body.
type nativeError struct {
	Error nativeErrorBody `json:"error"`
}

type nativeErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id"`
}

// WriteNativeError writes {"error":{"code","message","request_id"}}, the
// native API's error shape, used for paths no facade owns.
func WriteNativeError(w http.ResponseWriter, r *http.Request, status int, message string) {
	WriteNativeErrorField(w, r, status, StatusCode(status), message, "")
}

// WriteNativeErrorField writes the native error shape with an explicit
// code and the name of the offending field (omitted when empty).
func WriteNativeErrorField(w http.ResponseWriter, r *http.Request, status int, code, message, field string) {
	Encode(w, status, nativeError{Error: nativeErrorBody{Code: code, Message: message, Field: field,
		RequestID: RequestIDFrom(r.Context())}})
}

// StatusCode names an HTTP status as a stable snake_case error code.
func StatusCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusConflict:
		return "conflict"
	case http.StatusGone:
		return "expired"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnprocessableEntity:
		return "unprocessable"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	return "internal"
}

// Status maps a domain error code to the HTTP status most facades use.
func Status(c vault.Code) int {
	switch c {
	case vault.CodeInvalid:
		return http.StatusBadRequest
	case vault.CodeUnauthorized:
		return http.StatusUnauthorized
	case vault.CodeForbidden:
		return http.StatusForbidden
	case vault.CodeNotFound, vault.CodeExpired:
		return http.StatusNotFound
	case vault.CodeConflict:
		return http.StatusConflict
	case vault.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case vault.CodeLimited:
		return http.StatusTooManyRequests
	case vault.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Fail classifies err, logs internal causes (redacted) and returns the
// status and public message a facade should send. A store that cannot be
// reached is a 503 (the middleware adds Retry-After), logged as a warning. Internal errors get a
// generic message with the request id; their cause is never sent.
func Fail(log *slog.Logger, r *http.Request, err error) (int, *vault.Error) {
	e := vault.AsError(err)
	status := Status(e.Code)
	if e.Code == vault.CodeUnavailable && e.Err != nil {
		log.WarnContext(r.Context(), "request failed: store unavailable", "request_id", RequestIDFrom(r.Context()),
			"err", RedactDigits(e.Err.Error()))
	}
	if status >= 500 && status != http.StatusServiceUnavailable {
		log.ErrorContext(r.Context(), "request failed", "request_id", RequestIDFrom(r.Context()),
			"err", RedactDigits(err.Error()))
		e = &vault.Error{Code: vault.CodeInternal, Public: "internal error (request id " + RequestIDFrom(r.Context()) + ")"}
	}
	return status, e
}
