package vault

import (
	"errors"
	"time"
)

// This file is the small kit the dialect domains (the packages under
// internal/vault) share with the core: error classification, optimistic
// retries and card validation.

// DomainError classifies err like AsError but keeps nil as a nil error.
func DomainError(err error) error { return domainErr(err) }

// NotFound turns a not-found err into a not_found *Error with a public
// message; other errors pass through.
func NotFound(err error, msg string) error { return notFound(err, msg) }

// LostRace reports whether err is a bare store conflict from an optimistic
// update that another writer beat, as opposed to a conflict for the caller
// (already an *Error).
func LostRace(err error) bool {
	var e *Error
	return errors.Is(err, ErrConflict) && !errors.As(err, &e)
}

// RetryLostRaces runs fn up to attempts times while it fails with a lost
// race (LostRace), and returns its last error.
func RetryLostRaces(attempts int, fn func() error) error {
	var err error
	for range attempts {
		if err = fn(); !LostRace(err) {
			return err
		}
	}
	return err
}

// ValidateCard checks a card before anything is read or written, as
// CreateCard does.
func ValidateCard(in CardInput, now time.Time) error { return validateCard(in, now) }
