package vault

import (
	"errors"
	"fmt"
)

// Code classifies a domain failure; each facade maps codes to its own
// status codes and error shape in exactly one place.
type Code string

// The codes the core returns.
const (
	CodeInvalid      Code = "invalid"
	CodeNotFound     Code = "not_found"
	CodeConflict     Code = "conflict"
	CodeUnauthorized Code = "unauthorized"
	CodeForbidden    Code = "forbidden"
	CodeExpired      Code = "expired"
	CodeTooLarge     Code = "too_large"
	// CodeLimited means a limit was reached that no retry soon lifts (429).
	CodeLimited Code = "rate_limited"
	// CodeUnavailable means the vault is saturated; a retry soon may succeed (503).
	CodeUnavailable Code = "unavailable"
	CodeInternal    Code = "internal"
)

// Stores return these sentinels (possibly wrapped), never driver errors.
var (
	// ErrNotFound means no live row matched.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique key or an expected version did not hold.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable means the store cannot be reached or cannot write just
	// now (connection lost, database restarting, no writable primary); the
	// operation did not take effect or its outcome is unknown, and a retry
	// soon may succeed.
	ErrUnavailable = errors.New("store unavailable")
)

// Error is a domain failure. Public is safe to show a client: it never holds
// card data or internal detail. Err is the internal cause, for logs only.
type Error struct {
	Code   Code
	Public string
	// Field names the input that was wrong, when there is one.
	Field string
	Err   error
}

// Error returns the public message, followed by the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Public, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Public)
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an *Error whose public message is formatted from args; the
// caller guarantees that args hold no card data.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Public: fmt.Sprintf(format, args...)}
}

// Invalid makes a CodeInvalid error naming the offending field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Public: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error. Store sentinels become not_found,
// conflict or unavailable; anything else becomes internal with a generic public message and
// the original kept as the cause.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, ErrNotFound):
		return &Error{Code: CodeNotFound, Public: "not found", Err: err}
	case errors.Is(err, ErrConflict):
		return &Error{Code: CodeConflict, Public: "conflict", Err: err}
	case errors.Is(err, ErrUnavailable):
		return &Error{Code: CodeUnavailable, Public: "the vault's database is unavailable; retry shortly", Err: err}
	}
	return &Error{Code: CodeInternal, Public: "internal error", Err: err}
}

// CodeOf returns the Code of err as AsError would classify it.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	return AsError(err).Code
}

// domainErr classifies err like AsError but keeps nil as a nil error.
func domainErr(err error) error {
	if err == nil {
		return nil
	}
	return AsError(err)
}
