package vault

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// CompleteSession finishes a pending session with what the browser
// captured: a SessionTokenize session stores in as a new card (with the
// session's metadata and token lifetime), a SessionSecurityCode session
// holds in.SecurityCode for its card. The session's update is version-checked
// in the same transaction that writes the card or the code, so of two
// concurrent completions exactly one wins; the other gets a conflict and
// writes nothing. Invalid card data counts as a failed attempt and leaves the
// session pending until MaxSessionAttempts.
func (s *Service) CompleteSession(ctx context.Context, secret string, in CardInput) (Session, error) {
	for range 5 {
		out, err := s.completeOnce(ctx, secret, in)
		if errors.Is(err, errSessionRace) {
			continue // a failed attempt was counted meanwhile: look again
		}
		if CodeOf(err) == CodeInvalid {
			if _, ferr := s.RecordSessionFailure(ctx, secret, "invalid card data"); ferr != nil {
				s.log.WarnContext(ctx, "count failed session attempt", "err", ferr)
			}
		}
		return out, err
	}
	return Session{}, Errorf(CodeConflict, "the session is busy; try again")
}

// errSessionRace means the session record moved on while it was completed.
var errSessionRace = errors.New("session changed during completion")

// completeOnce makes one attempt at completing a session.
func (s *Service) completeOnce(ctx context.Context, secret string, in CardInput) (Session, error) {
	r, d, err := s.loadSession(ctx, secret)
	if err != nil {
		return Session{}, err
	}
	now := s.Now()
	if err := sessionUsable(sessionView(r, d, now)); err != nil {
		return Session{}, err
	}
	var write func(tx Store) error
	switch d.Purpose {
	case SessionTokenize:
		in.Metadata = d.Metadata
		if d.TokenTTL > 0 {
			if exp := now.Add(time.Duration(d.TokenTTL) * time.Second); in.ExpiresAt.IsZero() || exp.Before(in.ExpiresAt) {
				in.ExpiresAt = exp
			}
		}
		if err := validateCard(in, now); err != nil {
			return Session{}, err
		}
		c, err := s.prepareCard(ctx, r.Tenant, in, now)
		if err != nil {
			return Session{}, err
		}
		d.CardID = c.ID
		write = func(tx Store) error { return s.insertCard(ctx, tx, c, in.SecurityCode, now) }
	case SessionSecurityCode:
		if in.SecurityCode.IsZero() {
			return Session{}, Invalid("security_code", "security code is required")
		}
		write = func(tx Store) error {
			if _, err := tx.GetCard(ctx, r.Tenant, d.CardID, now); err != nil {
				return notFound(err, "card not found")
			}
			return s.holdSecurityCode(ctx, tx, r.Tenant, d.CardID, in.SecurityCode, now)
		}
	default:
		return Session{}, Errorf(CodeInternal, "session has an unknown purpose")
	}
	d.State, d.CompletedAt, d.SealedKey = SessionCompleted, now, nil
	if r.Data, err = json.Marshal(d); err != nil {
		return Session{}, err
	}
	err = s.store.Tx(ctx, func(tx Store) error {
		if _, err := tx.UpdateRecord(ctx, r, now); err != nil {
			return err
		}
		return write(tx)
	})
	if errors.Is(err, ErrConflict) {
		// The session moved on: completed by a concurrent request, or a
		// failed attempt was counted. Nothing was written.
		if _, d2, lerr := s.loadSession(ctx, secret); lerr == nil && d2.State == SessionPending {
			return Session{}, errSessionRace
		}
		return Session{}, Errorf(CodeConflict, "the session has already been completed and cannot be used again")
	}
	if err != nil {
		return Session{}, domainErr(err)
	}
	out := sessionView(r, d, now)
	out.ID = secret
	return out, nil
}
