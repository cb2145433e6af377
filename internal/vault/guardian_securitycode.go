package vault

import (
	"context"
	"errors"

	"github.com/google/uuid"
)

// SecurityCodeAvailable reports whether a live security code is held for a
// tenant's card. A hold that has expired is deleted from the store there and
// then (not only hidden, and not only later by the cleaner). An unknown card
// is not_found.
func (s *Service) SecurityCodeAvailable(ctx context.Context, tenant, cardID string) (SecurityCodeHold, error) {
	if _, err := uuid.Parse(cardID); err != nil {
		return SecurityCodeHold{}, &Error{Code: CodeNotFound, Public: "card not found"}
	}
	var hold SecurityCodeHold
	err := s.store.Tx(ctx, func(tx Store) error {
		now := s.Now()
		if _, err := tx.GetCard(ctx, tenant, cardID, now); err != nil {
			return notFound(err, "card not found")
		}
		r, err := tx.GetRecord(ctx, kindSecurityCode, cardID, now)
		switch {
		case err == nil && r.Tenant == tenant:
			hold = SecurityCodeHold{Held: true, ExpiresAt: r.ExpiresAt}
			return nil
		case err == nil:
			return nil
		case !errors.Is(err, ErrNotFound):
			return err
		}
		// Nothing live: drop an expired hold that may still be stored.
		if err := tx.DeleteRecord(ctx, tenant, kindSecurityCode, cardID); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		return nil
	})
	return hold, domainErr(err)
}
