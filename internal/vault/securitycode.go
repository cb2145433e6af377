package vault

import (
	"context"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/card"
)

// kindSecurityCode is the record kind of security-code holds. A hold's id and
// parent are its card's id.
const kindSecurityCode = "security_code"

// fieldSecurityCode is bound into a held code's ciphertext.
const fieldSecurityCode = "security_code"

// HoldSecurityCode keeps a card's security code apart from the card, sealed,
// until the service's security-code TTL passes; a new code replaces the old.
func (s *Service) HoldSecurityCode(ctx context.Context, tenant, cardID string, code card.SecurityCode) error {
	return domainErr(s.store.Tx(ctx, func(tx Store) error {
		now := s.Now()
		if _, err := tx.GetCard(ctx, tenant, cardID, now); err != nil {
			return notFound(err, "card not found")
		}
		return s.holdSecurityCode(ctx, tx, tenant, cardID, code, now)
	}))
}

// holdSecurityCode writes a hold inside the caller's transaction.
func (s *Service) holdSecurityCode(ctx context.Context, tx Store, tenant, cardID string, code card.SecurityCode, now time.Time) error {
	sealed, err := s.Seal(ctx, tenant, cardID, fieldSecurityCode, []byte(code.Digits()))
	if err != nil {
		return err
	}
	if err := tx.DeleteRecord(ctx, tenant, kindSecurityCode, cardID); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return tx.CreateRecord(ctx, Record{Tenant: tenant, Kind: kindSecurityCode, ID: cardID, Parent: cardID,
		Data: sealed, Version: 1, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.cvvTTL)})
}

// SecurityCodeHold says whether a security code is held for a card, and until when.
type SecurityCodeHold struct {
	Held      bool
	ExpiresAt time.Time
}

// SecurityCodeStatus reports whether a live security code is held for a card.
func (s *Service) SecurityCodeStatus(ctx context.Context, tenant, cardID string) (SecurityCodeHold, error) {
	r, err := s.store.GetRecord(ctx, kindSecurityCode, cardID, s.Now())
	if errors.Is(err, ErrNotFound) || (err == nil && r.Tenant != tenant) {
		return SecurityCodeHold{}, nil
	}
	if err != nil {
		return SecurityCodeHold{}, err
	}
	return SecurityCodeHold{Held: true, ExpiresAt: r.ExpiresAt}, nil
}

// SecurityCode returns a held security code for injection into a forward.
// It is never to be returned by a read API. Absent or expired: not_found.
func (s *Service) SecurityCode(ctx context.Context, tenant, cardID string) (card.SecurityCode, error) {
	r, err := s.store.GetRecord(ctx, kindSecurityCode, cardID, s.Now())
	if err != nil || r.Tenant != tenant {
		return card.SecurityCode{}, &Error{Code: CodeNotFound, Public: "no security code is held for this card", Err: err}
	}
	raw, err := s.Open(ctx, tenant, cardID, fieldSecurityCode, r.Data)
	if err != nil {
		return card.SecurityCode{}, err
	}
	return card.ParseSecurityCode(string(raw), card.Unknown)
}

// DropSecurityCode deletes a held security code; not_found if none is held.
func (s *Service) DropSecurityCode(ctx context.Context, tenant, cardID string) error {
	return notFound(s.store.DeleteRecord(ctx, tenant, kindSecurityCode, cardID), "no security code is held for this card")
}
