package vault

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
)

// heldCode is a security code held apart from its card; the record's id
// and parent are the card's id.
type heldCode struct {
	CardID string `json:"card_id"`
	Code   string `json:"code"`
}

// securityCodes are the held security codes.
var securityCodes = NewRecordType(KindSecurityCode, 1, nil, func(h *heldCode) string { return h.CardID })

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
	v := s.on(tx)
	if err := securityCodes.DeleteIfPresent(ctx, v, tenant, cardID); err != nil {
		return err
	}
	_, err := securityCodes.Put(ctx, v, Stored[heldCode]{Tenant: tenant, ID: cardID, CreatedAt: now,
		ExpiresAt: now.Add(s.cvvTTL), Value: heldCode{CardID: cardID, Code: code.Digits()}})
	return err
}

// SecurityCodeHold says whether a security code is held for a card, and until when.
type SecurityCodeHold struct {
	Held      bool
	ExpiresAt time.Time
}

// SecurityCodeStatus reports whether a live security code is held for a card.
func (s *Service) SecurityCodeStatus(ctx context.Context, tenant, cardID string) (SecurityCodeHold, error) {
	h, err := securityCodes.Get(ctx, s, tenant, cardID)
	if errors.Is(err, ErrNotFound) {
		return SecurityCodeHold{}, nil
	}
	if err != nil {
		return SecurityCodeHold{}, err
	}
	return SecurityCodeHold{Held: true, ExpiresAt: h.ExpiresAt}, nil
}

// SecurityCode returns a held security code for injection into a forward.
// It is never to be returned by a read API. Absent or expired: not_found.
func (s *Service) SecurityCode(ctx context.Context, tenant, cardID string) (card.SecurityCode, error) {
	h, err := securityCodes.Get(ctx, s, tenant, cardID)
	if errors.Is(err, ErrNotFound) {
		return card.SecurityCode{}, &Error{Code: CodeNotFound, Public: "no security code is held for this card", Err: err}
	}
	if err != nil {
		return card.SecurityCode{}, err
	}
	return card.ParseSecurityCode(h.Value.Code, card.Unknown)
}

// RevealCardWithSecurityCode returns a tenant's card with its number in the
// clear and the security code held for it, read together (one store read
// where the store can: CardRecordReader). The code is zero when none is held
// (never held, dropped or expired). It is for a forward that injects both:
// callers check the cards:reveal scope, audit, and never return the code.
// An unknown card is not_found, as RevealCard.
func (s *Service) RevealCardWithSecurityCode(ctx context.Context, tenant, id string) (RevealedCard, card.SecurityCode, error) {
	if _, err := uuid.Parse(id); err != nil {
		return RevealedCard{}, card.SecurityCode{}, &Error{Code: CodeNotFound, Public: "card not found"}
	}
	c, r, held, err := CardWithRecord(ctx, s.store, tenant, id, securityCodes.Kind(), s.Now())
	if err != nil {
		return RevealedCard{}, card.SecurityCode{}, notFound(err, "card not found")
	}
	out, err := s.open(ctx, c)
	if err != nil || !held {
		return out, card.SecurityCode{}, err
	}
	h, err := securityCodes.decodeOf(ctx, s, tenant, r)
	if errors.Is(err, ErrNotFound) {
		return out, card.SecurityCode{}, nil
	}
	if err != nil {
		return RevealedCard{}, card.SecurityCode{}, err
	}
	code, err := card.ParseSecurityCode(h.Value.Code, card.Unknown)
	if err != nil {
		return RevealedCard{}, card.SecurityCode{}, err
	}
	return out, code, nil
}

// DropSecurityCode deletes a held security code; not_found if none is held.
func (s *Service) DropSecurityCode(ctx context.Context, tenant, cardID string) error {
	return notFound(securityCodes.Delete(ctx, s, tenant, cardID), "no security code is held for this card")
}

// SecurityCodeAvailable reports whether a live security code is held for a
// tenant's card. A hold that has expired is deleted from the store there and
// then (not only hidden, and not only later by the cleaner). An unknown card
// is not_found.
func (s *Service) SecurityCodeAvailable(ctx context.Context, tenant, cardID string) (SecurityCodeHold, error) {
	if _, err := uuid.Parse(cardID); err != nil {
		return SecurityCodeHold{}, &Error{Code: CodeNotFound, Public: "card not found"}
	}
	var hold SecurityCodeHold
	err := s.Tx(ctx, func(tx *Service) error {
		if _, err := tx.store.GetCard(ctx, tenant, cardID, tx.Now()); err != nil {
			return notFound(err, "card not found")
		}
		h, err := securityCodes.Get(ctx, tx, tenant, cardID)
		switch {
		case err == nil:
			hold = SecurityCodeHold{Held: true, ExpiresAt: h.ExpiresAt}
			return nil
		case !errors.Is(err, ErrNotFound):
			return err
		}
		// Nothing live: drop an expired hold that may still be stored, and
		// report it if this call is the one that removed it.
		_, err = tx.expireCode(ctx, tenant, cardID)
		return err
	})
	return hold, domainErr(err)
}
