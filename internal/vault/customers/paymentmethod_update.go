package customers

import (
	"context"

	"github.com/cardvault/cardvault/internal/vault"
)

// UpdatePaymentMethod changes a payment method of the profile and its card
// in one transaction: holder name and expiry on the card (re-sealed), the
// held security code, and whatever u.Change edits. The card number never
// changes.
func (s *Service) UpdatePaymentMethod(ctx context.Context, tenant, profile, id string, u PaymentMethodUpdate) (PaymentMethod, error) {
	err := vault.RetryLostRaces(updateAttempts, func() error {
		return s.v.Tx(ctx, func(tx *vault.Service) error { return updatePaymentMethod(ctx, tx, tenant, profile, id, u) })
	})
	if err != nil {
		return PaymentMethod{}, vault.DomainError(err)
	}
	return s.GetPaymentMethod(ctx, tenant, profile, id)
}

// updatePaymentMethod is one attempt of UpdatePaymentMethod inside tx.
func updatePaymentMethod(ctx context.Context, tx *vault.Service, tenant, profile, id string, u PaymentMethodUpdate) error {
	r, err := loadPaymentMethod(ctx, tx, tenant, profile, id)
	if err != nil {
		return err
	}
	cardID := r.Value.CardID
	if u.Holder != nil || u.Expiry != nil {
		_, err := tx.UpdateCard(ctx, tenant, cardID, vault.CardUpdate{Holder: u.Holder, Expiry: u.Expiry})
		if vault.CodeOf(err) == vault.CodeNotFound {
			return errPaymentMethodNotFound
		}
		if err != nil {
			return err
		}
	}
	if !u.SecurityCode.IsZero() {
		if err := tx.HoldSecurityCode(ctx, tenant, cardID, u.SecurityCode); err != nil {
			return err
		}
	}
	if u.Change != nil {
		pm := paymentMethodOf(r)
		next := pm
		next.ConnectorTokens = append([]ConnectorToken(nil), pm.ConnectorTokens...)
		if err := u.Change(&next); err != nil {
			return err
		}
		pm.Personal, pm.Public, pm.ConnectorTokens = next.Personal, next.Public, next.ConnectorTokens
		if err := validatePaymentMethodParts(&pm); err != nil {
			return err
		}
		r.Value.Personal, r.Value.Public, r.Value.Tokens = pm.Personal, pm.Public, pm.ConnectorTokens
	}
	_, err = paymentMethodRecords.Update(ctx, tx, r)
	return err
}

// validatePaymentMethodParts checks what a Change may have edited.
func validatePaymentMethodParts(pm *PaymentMethod) error {
	if err := jsonObject(&pm.Personal, "personal", MaxPersonalSize); err != nil {
		return err
	}
	if err := jsonObject(&pm.Public, "public", MaxPublicSize); err != nil {
		return err
	}
	if len(pm.ConnectorTokens) > MaxConnectorTokens {
		return vault.Invalid("connector_tokens", "a payment method keeps at most %d connector tokens", MaxConnectorTokens)
	}
	for _, t := range pm.ConnectorTokens {
		if t.Token == "" || len(t.Token) > MaxConnectorTokenLen || len(t.Reference) > MaxConnectorTokenLen ||
			len(t.ConnectorID) > MaxConnectorTokenLen {
			return vault.Invalid("connector_tokens", "a connector token must be 1-%d characters", MaxConnectorTokenLen)
		}
	}
	return nil
}

// DeletePaymentMethod removes a payment method of the profile with its card
// and held security code, and stops it being its customer's default, in one
// transaction.
func (s *Service) DeletePaymentMethod(ctx context.Context, tenant, profile, id string) error {
	return vault.DomainError(s.v.Tx(ctx, func(tx *vault.Service) error {
		r, err := loadPaymentMethod(ctx, tx, tenant, profile, id)
		if err != nil {
			return err
		}
		if err := deleteCard(ctx, tx, tenant, r.Value.CardID); err != nil {
			return err
		}
		if err := paymentMethodRecords.Delete(ctx, tx, tenant, id); err != nil {
			return err
		}
		return dropDefault(ctx, tx, tenant, r.Value.CustomerID, id)
	}))
}

// dropDefault clears a customer's default payment method if it is pmID.
func dropDefault(ctx context.Context, tx *vault.Service, tenant, customerID, pmID string) error {
	c, err := customerRecords.Get(ctx, tx, tenant, customerID)
	if vault.CodeOf(err) == vault.CodeNotFound {
		return nil
	}
	if err != nil || c.Value.DefaultPaymentMethod != pmID {
		return err
	}
	c.Value.DefaultPaymentMethod = ""
	_, err = customerRecords.Update(ctx, tx, c)
	return err
}
