package customers

import (
	"context"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// errPaymentMethodNotFound is the one answer for a payment method that does
// not exist, belongs to another tenant or lives in another profile.
var errPaymentMethodNotFound = &vault.Error{Code: vault.CodeNotFound, Public: "payment method not found"}

// CreatePaymentMethod saves a card for a customer of the profile: the card
// goes into the card store (sealed), its security code is held apart, and a
// payment method record points at it, all in one transaction. When the same
// card number is already saved for this customer (found by fingerprint,
// without decrypting any card) nothing new is stored: the existing payment
// method is returned with existed set, and a security code given now
// replaces the held one.
func (s *Service) CreatePaymentMethod(ctx context.Context, tenant string, in PaymentMethodInput) (pm PaymentMethod, existed bool, err error) {
	if err := validatePaymentMethod(&in, s.v.Now()); err != nil {
		return PaymentMethod{}, false, err
	}
	fp, err := s.v.Fingerprint(ctx, tenant, in.Card.PAN.Digits())
	if err != nil {
		return PaymentMethod{}, false, err
	}
	var id string
	err = vault.RetryLostRaces(updateAttempts, func() error {
		return s.v.Tx(ctx, func(tx *vault.Service) error {
			var e error
			id, existed, e = savePaymentMethod(ctx, tx, tenant, fp, in)
			return e
		})
	})
	if err != nil {
		return PaymentMethod{}, false, vault.DomainError(err)
	}
	pm, err = s.GetPaymentMethod(ctx, tenant, in.Profile, id)
	return pm, existed, err
}

// validatePaymentMethod checks a payment method before anything is read or
// written.
func validatePaymentMethod(in *PaymentMethodInput, now time.Time) error {
	switch {
	case !ValidProfile(in.Profile):
		return vault.Invalid("profile", "profile id must be 1-%d letters, digits, '_' or '-'", MaxProfileLen)
	case in.CustomerID == "":
		return vault.Invalid("customer_id", "customer id is required")
	}
	if err := vault.ValidateCard(in.Card, now); err != nil {
		return err
	}
	if err := jsonObject(&in.Personal, "personal", MaxPersonalSize); err != nil {
		return err
	}
	return jsonObject(&in.Public, "public", MaxPublicSize)
}

// savePaymentMethod is one attempt of CreatePaymentMethod inside tx. It
// returns the id of the new or existing payment method.
func savePaymentMethod(ctx context.Context, tx *vault.Service, tenant, fp string, in PaymentMethodInput) (string, bool, error) {
	if _, err := loadCustomer(ctx, tx, tenant, in.Profile, in.CustomerID); err != nil {
		return "", false, err
	}
	old, err := paymentMethodRecords.ByKey(ctx, tx, tenant, paymentMethodKey(in.CustomerID, fp))
	switch {
	case err == nil:
		_, err := tx.GetCard(ctx, tenant, old.Value.CardID)
		if err == nil {
			if !in.Card.SecurityCode.IsZero() {
				err = tx.HoldSecurityCode(ctx, tenant, old.Value.CardID, in.Card.SecurityCode)
			}
			return old.ID, true, err
		}
		if vault.CodeOf(err) != vault.CodeNotFound {
			return "", false, err
		}
		// The card behind it was deleted elsewhere: replace the stale record.
		if err := paymentMethodRecords.Delete(ctx, tx, tenant, old.ID); err != nil {
			return "", false, err
		}
	case !errors.Is(err, vault.ErrNotFound):
		return "", false, err
	}
	id := newGlobalID("pm")
	return id, false, insertPaymentMethod(ctx, tx, tenant, id, fp, in)
}

// insertPaymentMethod stores a new card, its security-code hold and the
// payment method record inside tx. Only the card's number, expiry, holder
// and security code are kept; the card's reference is the payment method id.
func insertPaymentMethod(ctx context.Context, tx *vault.Service, tenant, id, fp string, in PaymentMethodInput) error {
	c, err := tx.CreateCard(ctx, tenant, vault.CardInput{PAN: in.Card.PAN, Expiry: in.Card.Expiry, Holder: in.Card.Holder,
		SecurityCode: in.Card.SecurityCode, Reference: id})
	if err != nil {
		return err
	}
	_, err = paymentMethodRecords.Put(ctx, tx, vault.Stored[paymentMethodData]{Tenant: tenant, ID: id,
		Value: paymentMethodData{Profile: in.Profile, CustomerID: in.CustomerID, CardID: c.ID, Fingerprint: fp,
			Personal: in.Personal, Tokens: []ConnectorToken{}, Public: in.Public}})
	return err
}

// loadPaymentMethod reads a live payment method of the tenant and profile.
// Another tenant's or profile's payment method is not found, exactly like a
// missing one.
func loadPaymentMethod(ctx context.Context, v *vault.Service, tenant, profile, id string) (vault.Stored[paymentMethodData], error) {
	r, err := paymentMethodRecords.Get(ctx, v, tenant, id)
	if errors.Is(err, vault.ErrNotFound) || (err == nil && r.Value.Profile != profile) {
		return r, errPaymentMethodNotFound
	}
	return r, err
}

// paymentMethodOf is a payment method's own parts, without its card.
func paymentMethodOf(r vault.Stored[paymentMethodData]) PaymentMethod {
	d := r.Value
	public := d.Public
	if len(public) == 0 {
		public = []byte(`{}`)
	}
	tokens := d.Tokens
	if tokens == nil {
		tokens = []ConnectorToken{}
	}
	return PaymentMethod{ID: r.ID, Tenant: r.Tenant, Profile: d.Profile, CustomerID: d.CustomerID, Personal: d.Personal,
		Public: public, ConnectorTokens: tokens, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// openPaymentMethod adds a payment method's card. A payment method whose
// card was deleted elsewhere is not found.
func openPaymentMethod(ctx context.Context, v *vault.Service, r vault.Stored[paymentMethodData]) (PaymentMethod, error) {
	pm := paymentMethodOf(r)
	c, err := v.GetCard(ctx, r.Tenant, r.Value.CardID)
	if vault.CodeOf(err) == vault.CodeNotFound {
		return PaymentMethod{}, errPaymentMethodNotFound
	}
	if err != nil {
		return PaymentMethod{}, err
	}
	pm.Card = c
	if pm.SecurityCode, err = v.SecurityCodeStatus(ctx, r.Tenant, r.Value.CardID); err != nil {
		return PaymentMethod{}, err
	}
	return pm, nil
}

// GetPaymentMethod returns a payment method of the profile with its card
// masked and its sealed parts opened.
func (s *Service) GetPaymentMethod(ctx context.Context, tenant, profile, id string) (PaymentMethod, error) {
	r, err := loadPaymentMethod(ctx, s.v, tenant, profile, id)
	if err != nil {
		return PaymentMethod{}, vault.DomainError(err)
	}
	pm, err := openPaymentMethod(ctx, s.v, r)
	return pm, vault.DomainError(err)
}

// ListPaymentMethods pages through the payment methods of a customer of the
// profile, in id (creation) order. Payment methods whose card was deleted
// elsewhere are left out.
func (s *Service) ListPaymentMethods(ctx context.Context, tenant, profile, customerID string, p vault.Page) ([]PaymentMethod, error) {
	if _, err := loadCustomer(ctx, s.v, tenant, profile, customerID); err != nil {
		return nil, vault.DomainError(err)
	}
	rs, err := paymentMethodRecords.List(ctx, s.v, tenant, customerID, p)
	if err != nil {
		return nil, err
	}
	out := make([]PaymentMethod, 0, len(rs))
	for _, r := range rs {
		pm, err := openPaymentMethod(ctx, s.v, r)
		if errors.Is(err, errPaymentMethodNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, pm)
	}
	return out, nil
}
