package sessions

import (
	"context"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// CompleteSession finishes a pending session with what the browser
// captured: a Tokenize session stores in as a new card (with the session's
// metadata and token lifetime), a SecurityCode session holds
// in.SecurityCode for its card. The session's update is version-checked in
// the same transaction that writes the card or the code, so of two
// concurrent completions exactly one wins; the other gets a conflict and
// writes nothing. Invalid card data counts as a failed attempt and leaves the
// session pending until MaxAttempts.
func (s *Service) CompleteSession(ctx context.Context, secret string, in vault.CardInput) (Session, error) {
	for range 5 {
		out, err := s.completeOnce(ctx, secret, in)
		if errors.Is(err, errSessionRace) {
			continue // a failed attempt was counted meanwhile: look again
		}
		if vault.CodeOf(err) == vault.CodeInvalid {
			if _, ferr := s.RecordSessionFailure(ctx, secret, "invalid card data"); ferr != nil {
				s.log.WarnContext(ctx, "count failed session attempt", "err", ferr)
			}
		}
		return out, err
	}
	return Session{}, vault.Errorf(vault.CodeConflict, "the session is busy; try again")
}

// errSessionRace means the session record moved on while it was completed.
var errSessionRace = errors.New("session changed during completion")

// completeOnce makes one attempt at completing a session.
func (s *Service) completeOnce(ctx context.Context, secret string, in vault.CardInput) (Session, error) {
	r, err := s.load(ctx, secret)
	if err != nil {
		return Session{}, err
	}
	now := s.v.Now()
	if err := usable(sessionView(r, now)); err != nil {
		return Session{}, err
	}
	d := &r.Value
	var write func(tx *vault.Service) error
	switch d.Purpose {
	case Tokenize:
		in.Metadata = d.Metadata
		if d.TokenTTL > 0 {
			if exp := now.Add(time.Duration(d.TokenTTL) * time.Second); in.ExpiresAt.IsZero() || exp.Before(in.ExpiresAt) {
				in.ExpiresAt = exp
			}
		}
		if err := vault.ValidateCard(in, now); err != nil {
			return Session{}, err
		}
		write = func(tx *vault.Service) error {
			c, err := tx.CreateCard(ctx, r.Tenant, in)
			d.CardID = c.ID
			return err
		}
	case SecurityCode:
		if in.SecurityCode.IsZero() {
			return Session{}, vault.Invalid("security_code", "security code is required")
		}
		write = func(tx *vault.Service) error { return tx.HoldSecurityCode(ctx, r.Tenant, d.CardID, in.SecurityCode) }
	default:
		return Session{}, vault.Errorf(vault.CodeInternal, "session has an unknown purpose")
	}
	err = s.v.Tx(ctx, func(tx *vault.Service) error {
		if err := write(tx); err != nil {
			return err
		}
		d.State, d.CompletedAt, d.Key = Completed, now, nil
		var err error
		r, err = sessionRecords.Update(ctx, tx, r)
		return err
	})
	if errors.Is(err, vault.ErrConflict) {
		// The session moved on: completed by a concurrent request, or a
		// failed attempt was counted. Nothing was written.
		if r2, lerr := s.load(ctx, secret); lerr == nil && r2.Value.State == Pending {
			return Session{}, errSessionRace
		}
		return Session{}, vault.Errorf(vault.CodeConflict, "the session has already been completed and cannot be used again")
	}
	if err != nil {
		return Session{}, vault.DomainError(err)
	}
	out := sessionView(r, now)
	out.ID = secret
	return out, nil
}
