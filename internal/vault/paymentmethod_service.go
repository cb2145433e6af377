package vault

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// errPaymentMethodNotFound is the one answer for a payment method that does
// not exist, belongs to another tenant or lives in another profile.
var errPaymentMethodNotFound = &Error{Code: CodeNotFound, Public: "payment method not found"}

// CreatePaymentMethod saves a card for a customer of the profile: the card
// goes into the card store (sealed), its security code is held apart, and a
// payment method record points at it, all in one transaction. When the same
// card number is already saved for this customer (found by fingerprint,
// without decrypting any card) nothing new is stored: the existing payment
// method is returned with existed set, and a security code given now
// replaces the held one.
func (s *Service) CreatePaymentMethod(ctx context.Context, tenant string, in PaymentMethodInput) (pm PaymentMethod, existed bool, err error) {
	now := s.Now()
	if err := validatePaymentMethod(&in, now); err != nil {
		return PaymentMethod{}, false, err
	}
	fp, err := s.Fingerprint(ctx, tenant, in.Card.PAN.Digits())
	if err != nil {
		return PaymentMethod{}, false, err
	}
	key := in.CustomerID + "/" + fp
	var id string
	for range updateAttempts {
		err = s.store.Tx(ctx, func(tx Store) error {
			var e error
			id, existed, e = s.savePaymentMethod(ctx, tx, tenant, key, in, now)
			return e
		})
		if !lostRace(err) {
			break
		}
	}
	if err != nil {
		return PaymentMethod{}, false, domainErr(err)
	}
	pm, err = s.GetPaymentMethod(ctx, tenant, in.Profile, id)
	return pm, existed, err
}

// validatePaymentMethod checks a payment method before anything is read or
// written.
func validatePaymentMethod(in *PaymentMethodInput, now time.Time) error {
	switch {
	case !ValidProfile(in.Profile):
		return Invalid("profile", "profile id must be 1-%d letters, digits, '_' or '-'", MaxProfileLen)
	case in.CustomerID == "":
		return Invalid("customer_id", "customer id is required")
	}
	if err := validateCard(in.Card, now); err != nil {
		return err
	}
	if err := jsonObject(&in.Personal, "personal", MaxPersonalSize); err != nil {
		return err
	}
	return jsonObject(&in.Public, "public", MaxPublicSize)
}

// savePaymentMethod is one attempt of CreatePaymentMethod inside tx. It
// returns the id of the new or existing payment method.
func (s *Service) savePaymentMethod(ctx context.Context, tx Store, tenant, key string, in PaymentMethodInput, now time.Time) (string, bool, error) {
	if _, _, err := s.loadCustomer(ctx, tx, tenant, in.Profile, in.CustomerID); err != nil {
		return "", false, err
	}
	old, err := tx.RecordByKey(ctx, tenant, KindPaymentMethod, key, now)
	switch {
	case err == nil:
		var d paymentMethodData
		if err := json.Unmarshal(old.Data, &d); err != nil {
			return "", false, err
		}
		_, err := tx.GetCard(ctx, tenant, d.CardID, now)
		if err == nil {
			if !in.Card.SecurityCode.IsZero() {
				err = s.holdSecurityCode(ctx, tx, tenant, d.CardID, in.Card.SecurityCode, now)
			}
			return old.ID, true, err
		}
		if !errors.Is(err, ErrNotFound) {
			return "", false, err
		}
		// The card behind it was deleted elsewhere: replace the stale record.
		if err := tx.DeleteRecord(ctx, tenant, KindPaymentMethod, old.ID); err != nil {
			return "", false, err
		}
	case !errors.Is(err, ErrNotFound):
		return "", false, err
	}
	id := newGlobalID("pm")
	return id, false, s.insertPaymentMethod(ctx, tx, tenant, id, key, in, now)
}

// insertPaymentMethod stores a new card, its security-code hold and the
// payment method record inside tx. Only the card's number, expiry, holder
// and security code are kept; the card's reference is the payment method id.
func (s *Service) insertPaymentMethod(ctx context.Context, tx Store, tenant, id, key string, in PaymentMethodInput, now time.Time) error {
	c, err := s.prepareCard(ctx, tenant, CardInput{PAN: in.Card.PAN, Expiry: in.Card.Expiry, Holder: in.Card.Holder, Reference: id}, now)
	if err != nil {
		return err
	}
	if err := s.insertCard(ctx, tx, c, in.Card.SecurityCode, now); err != nil {
		return err
	}
	pm := PaymentMethod{ID: id, Tenant: tenant, Profile: in.Profile, Personal: in.Personal, Public: in.Public}
	data, err := s.paymentMethodData(ctx, pm, c.ID)
	if err != nil {
		return err
	}
	return tx.CreateRecord(ctx, Record{Tenant: tenant, Kind: KindPaymentMethod, ID: id, Key: key,
		Parent: in.CustomerID, Data: data, Version: 1, CreatedAt: now, UpdatedAt: now})
}

// paymentMethodData seals pm's personal data and tokens and encodes the
// record's Data.
func (s *Service) paymentMethodData(ctx context.Context, pm PaymentMethod, cardID string) ([]byte, error) {
	personal, err := s.Seal(ctx, pm.Tenant, pm.ID, fieldPMPersonal, pm.Personal)
	if err != nil {
		return nil, err
	}
	tokens := pm.ConnectorTokens
	if tokens == nil {
		tokens = []ConnectorToken{}
	}
	rawTokens, err := json.Marshal(tokens)
	if err != nil {
		return nil, err
	}
	sealedTokens, err := s.Seal(ctx, pm.Tenant, pm.ID, fieldPMTokens, rawTokens)
	if err != nil {
		return nil, err
	}
	return json.Marshal(paymentMethodData{Profile: pm.Profile, CardID: cardID, Personal: personal, Tokens: sealedTokens, Public: pm.Public})
}

// loadPaymentMethod reads a live payment method record of the tenant and
// profile. Another tenant's or profile's payment method is not found,
// exactly like a missing one.
func (s *Service) loadPaymentMethod(ctx context.Context, st Store, tenant, profile, id string) (Record, paymentMethodData, error) {
	r, err := st.GetRecord(ctx, KindPaymentMethod, id, s.Now())
	if errors.Is(err, ErrNotFound) {
		return Record{}, paymentMethodData{}, errPaymentMethodNotFound
	}
	if err != nil {
		return Record{}, paymentMethodData{}, err
	}
	var d paymentMethodData
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return Record{}, paymentMethodData{}, err
	}
	if r.Tenant != tenant || d.Profile != profile {
		return Record{}, paymentMethodData{}, errPaymentMethodNotFound
	}
	return r, d, nil
}

// openRecordParts decrypts a payment method's own sealed parts, without its card.
func (s *Service) openRecordParts(ctx context.Context, r Record, d paymentMethodData) (PaymentMethod, error) {
	personal, err := s.Open(ctx, r.Tenant, r.ID, fieldPMPersonal, d.Personal)
	if err != nil {
		return PaymentMethod{}, err
	}
	rawTokens, err := s.Open(ctx, r.Tenant, r.ID, fieldPMTokens, d.Tokens)
	if err != nil {
		return PaymentMethod{}, err
	}
	var tokens []ConnectorToken
	if err := json.Unmarshal(rawTokens, &tokens); err != nil {
		return PaymentMethod{}, err
	}
	public := d.Public
	if len(public) == 0 {
		public = json.RawMessage(`{}`)
	}
	return PaymentMethod{ID: r.ID, Tenant: r.Tenant, Profile: d.Profile, CustomerID: r.Parent, Personal: personal,
		Public: public, ConnectorTokens: tokens, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

// openPaymentMethod decrypts a payment method and its card. A payment
// method whose card was deleted elsewhere is not found.
func (s *Service) openPaymentMethod(ctx context.Context, r Record, d paymentMethodData) (PaymentMethod, error) {
	pm, err := s.openRecordParts(ctx, r, d)
	if err != nil {
		return PaymentMethod{}, err
	}
	c, err := s.store.GetCard(ctx, r.Tenant, d.CardID, s.Now())
	if errors.Is(err, ErrNotFound) {
		return PaymentMethod{}, errPaymentMethodNotFound
	}
	if err != nil {
		return PaymentMethod{}, err
	}
	rc, err := s.open(ctx, c)
	if err != nil {
		return PaymentMethod{}, err
	}
	pm.Card = rc.CardView
	if pm.SecurityCode, err = s.SecurityCodeStatus(ctx, r.Tenant, d.CardID); err != nil {
		return PaymentMethod{}, err
	}
	return pm, nil
}

// GetPaymentMethod returns a payment method of the profile with its card
// masked and its sealed parts opened.
func (s *Service) GetPaymentMethod(ctx context.Context, tenant, profile, id string) (PaymentMethod, error) {
	r, d, err := s.loadPaymentMethod(ctx, s.store, tenant, profile, id)
	if err != nil {
		return PaymentMethod{}, domainErr(err)
	}
	pm, err := s.openPaymentMethod(ctx, r, d)
	return pm, domainErr(err)
}

// ListPaymentMethods pages through the payment methods of a customer of the
// profile, in id (creation) order. Payment methods whose card was deleted
// elsewhere are left out.
func (s *Service) ListPaymentMethods(ctx context.Context, tenant, profile, customerID string, p Page) ([]PaymentMethod, error) {
	if _, _, err := s.loadCustomer(ctx, s.store, tenant, profile, customerID); err != nil {
		return nil, domainErr(err)
	}
	rs, err := s.store.ListRecords(ctx, RecordQuery{Tenant: tenant, Kind: KindPaymentMethod, Parent: customerID, Page: p}, s.Now())
	if err != nil {
		return nil, err
	}
	out := make([]PaymentMethod, 0, len(rs))
	for _, r := range rs {
		var d paymentMethodData
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return nil, err
		}
		pm, err := s.openPaymentMethod(ctx, r, d)
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
