package customers

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/objectid"
	"github.com/cardvault/cardvault/internal/vault"
)

// ImportCardPaymentMethod saves a card for a customer of the profile under
// a given payment-method id, for a migration from another vault (a CSV
// dump), so that the merchant's stored payment-method and customer ids
// keep working. A customer missing from the tenant is made under its id,
// empty (no reference or personal data). Re-importing the same card for
// the same customer under the same id is AlreadyImported; the id taken by
// another card or customer, the customer living in another profile, or
// the card already saved for this customer under another id is a
// conflict. Nothing is written on any error.
func (s *Service) ImportCardPaymentMethod(ctx context.Context, tenant, profile, customerID, id string, in vault.CardInput,
	createdAt time.Time) (vault.ImportOutcome, error) {
	switch {
	case !ValidProfile(profile):
		return 0, vault.Invalid("profile", "profile id must be 1-%d letters, digits, '_' or '-'", MaxProfileLen)
	case !objectid.Valid(id) || card.ContainsPAN(id):
		return 0, vault.Invalid("id", "payment method id must be "+objectid.Rule)
	case !objectid.Valid(customerID) || card.ContainsPAN(customerID):
		return 0, vault.Invalid("customer_id", "customer id must be "+objectid.Rule)
	}
	if err := vault.ValidateCard(in, time.Time{}); err != nil { // a card past its expiry date is kept
		return 0, err
	}
	fp, err := s.v.Fingerprint(ctx, tenant, in.PAN.Digits())
	if err != nil {
		return 0, err
	}
	now := s.v.Now()
	if createdAt.IsZero() || createdAt.After(now) {
		createdAt = now
	}
	var out vault.ImportOutcome
	err = vault.RetryLostRaces(updateAttempts, func() error {
		return s.v.Tx(ctx, func(tx *vault.Service) error {
			var e error
			out, e = importCardPaymentMethod(ctx, tx, tenant, profile, customerID, id, fp, in, createdAt)
			return e
		})
	})
	return out, vault.DomainError(err)
}

// importCardPaymentMethod is one attempt of ImportCardPaymentMethod inside tx.
func importCardPaymentMethod(ctx context.Context, tx *vault.Service, tenant, profile, customerID, id, fp string, in vault.CardInput,
	createdAt time.Time) (vault.ImportOutcome, error) {
	old, err := paymentMethodRecords.Get(ctx, tx, tenant, id)
	switch {
	case err == nil && old.Value.CustomerID == customerID && old.Value.Fingerprint == fp && old.Value.Profile == profile:
		return vault.AlreadyImported, nil
	case err == nil:
		return 0, &vault.Error{Code: vault.CodeConflict, Public: "payment method id is taken by another card or customer"}
	case !errors.Is(err, vault.ErrNotFound):
		return 0, err
	}
	c, err := customerRecords.Get(ctx, tx, tenant, customerID)
	switch {
	case errors.Is(err, vault.ErrNotFound):
		_, err = customerRecords.Put(ctx, tx, vault.Stored[customerData]{Tenant: tenant, ID: customerID, CreatedAt: createdAt,
			Value: customerData{Profile: profile, Personal: json.RawMessage(`{}`), Public: json.RawMessage(`{}`)}})
		if err != nil {
			return 0, err // a lost race (retried) or a store error
		}
	case err != nil:
		return 0, err
	case c.Value.Profile != profile:
		return 0, &vault.Error{Code: vault.CodeConflict, Public: "the customer exists in another profile"}
	}
	cv, err := tx.CreateCard(ctx, tenant, vault.CardInput{PAN: in.PAN, Expiry: in.Expiry, Holder: in.Holder, Reference: id})
	if err != nil {
		return 0, err
	}
	_, err = paymentMethodRecords.Put(ctx, tx, vault.Stored[paymentMethodData]{Tenant: tenant, ID: id, CreatedAt: createdAt,
		Value: paymentMethodData{Profile: profile, CustomerID: customerID, CardID: cv.ID, Fingerprint: fp,
			Personal: json.RawMessage(`{}`), Tokens: []ConnectorToken{}, Public: json.RawMessage(`{}`)}})
	if errors.Is(err, vault.ErrConflict) {
		if _, kerr := paymentMethodRecords.ByKey(ctx, tx, tenant, paymentMethodKey(customerID, fp)); kerr == nil {
			return 0, &vault.Error{Code: vault.CodeConflict, Public: "this card is already saved for this customer under another payment method id"}
		}
	}
	if err != nil {
		return 0, err
	}
	return vault.Imported, nil
}
