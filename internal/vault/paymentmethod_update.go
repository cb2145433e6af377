package vault

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// UpdatePaymentMethod changes a payment method of the profile and its card
// in one transaction: holder name and expiry on the card (re-sealed), the
// held security code, and whatever u.Change edits. The card number never
// changes.
func (s *Service) UpdatePaymentMethod(ctx context.Context, tenant, profile, id string, u PaymentMethodUpdate) (PaymentMethod, error) {
	var err error
	for range updateAttempts {
		err = s.store.Tx(ctx, func(tx Store) error { return s.updatePaymentMethod(ctx, tx, tenant, profile, id, u) })
		if !lostRace(err) {
			break
		}
	}
	if err != nil {
		return PaymentMethod{}, domainErr(err)
	}
	return s.GetPaymentMethod(ctx, tenant, profile, id)
}

// updatePaymentMethod is one attempt of UpdatePaymentMethod inside tx.
func (s *Service) updatePaymentMethod(ctx context.Context, tx Store, tenant, profile, id string, u PaymentMethodUpdate) error {
	now := s.Now()
	r, d, err := s.loadPaymentMethod(ctx, tx, tenant, profile, id)
	if err != nil {
		return err
	}
	if u.Holder != nil || u.Expiry != nil {
		if err := s.updatePaymentMethodCard(ctx, tx, tenant, d.CardID, u, now); err != nil {
			return err
		}
	}
	if !u.SecurityCode.IsZero() {
		if err := s.holdSecurityCode(ctx, tx, tenant, d.CardID, u.SecurityCode, now); err != nil {
			return err
		}
	}
	pm, err := s.openRecordParts(ctx, r, d)
	if err != nil {
		return err
	}
	if u.Change != nil {
		next := pm
		next.ConnectorTokens = append([]ConnectorToken(nil), pm.ConnectorTokens...)
		if err := u.Change(&next); err != nil {
			return err
		}
		pm.Personal, pm.Public, pm.ConnectorTokens = next.Personal, next.Public, next.ConnectorTokens
		if err := validatePaymentMethodParts(&pm); err != nil {
			return err
		}
	}
	if r.Data, err = s.paymentMethodData(ctx, pm, d.CardID); err != nil {
		return err
	}
	_, err = tx.UpdateRecord(ctx, r, now)
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
		return Invalid("connector_tokens", "a payment method keeps at most %d connector tokens", MaxConnectorTokens)
	}
	for _, t := range pm.ConnectorTokens {
		if t.Token == "" || len(t.Token) > MaxConnectorTokenLen || len(t.Reference) > MaxConnectorTokenLen ||
			len(t.ConnectorID) > MaxConnectorTokenLen {
			return Invalid("connector_tokens", "a connector token must be 1-%d characters", MaxConnectorTokenLen)
		}
	}
	return nil
}

// updatePaymentMethodCard changes the holder name or expiry of a payment
// method's card inside tx, re-sealing it.
func (s *Service) updatePaymentMethodCard(ctx context.Context, tx Store, tenant, cardID string, u PaymentMethodUpdate, now time.Time) error {
	c, err := tx.GetCard(ctx, tenant, cardID, now)
	if errors.Is(err, ErrNotFound) {
		return errPaymentMethodNotFound
	}
	if err != nil {
		return err
	}
	rc, err := s.open(ctx, c)
	if err != nil {
		return err
	}
	in := CardInput{PAN: rc.PAN, Expiry: rc.Expiry, Holder: rc.Holder, Reference: rc.Reference, Metadata: rc.Metadata}
	if u.Holder != nil {
		in.Holder = *u.Holder
	}
	if u.Expiry != nil {
		in.Expiry = *u.Expiry
	}
	if err := validateCard(in, now); err != nil {
		return err
	}
	c.ExpMonth, c.ExpYear, c.UpdatedAt = in.Expiry.Month, in.Expiry.Year, now
	if err := s.sealCard(ctx, &c, in.PAN, in.Holder, rc.Extra); err != nil {
		return err
	}
	return tx.UpdateCard(ctx, c, now)
}

// DeletePaymentMethod removes a payment method of the profile with its card
// and held security code, and stops it being its customer's default, in one
// transaction.
func (s *Service) DeletePaymentMethod(ctx context.Context, tenant, profile, id string) error {
	return domainErr(s.store.Tx(ctx, func(tx Store) error {
		r, d, err := s.loadPaymentMethod(ctx, tx, tenant, profile, id)
		if err != nil {
			return err
		}
		if err := deleteCardAndHold(ctx, tx, tenant, d.CardID); err != nil {
			return err
		}
		if err := tx.DeleteRecord(ctx, tenant, KindPaymentMethod, id); err != nil {
			return err
		}
		return s.dropDefault(ctx, tx, r.Parent, id)
	}))
}

// dropDefault clears a customer's default payment method if it is pmID.
func (s *Service) dropDefault(ctx context.Context, tx Store, customerID, pmID string) error {
	r, err := tx.GetRecord(ctx, KindCustomer, customerID, s.Now())
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var d customerData
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return err
	}
	if d.DefaultPaymentMethod != pmID {
		return nil
	}
	d.DefaultPaymentMethod = ""
	if r.Data, err = json.Marshal(d); err != nil {
		return err
	}
	_, err = tx.UpdateRecord(ctx, r, s.Now())
	return err
}
