package customers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// Service keeps customers and their payment methods. It is safe for
// concurrent use.
type Service struct {
	v *vault.Service
}

// New returns the customers domain over the vault core v.
func New(v *vault.Service) *Service { return &Service{v: v} }

// errCustomerNotFound is the one answer for a customer that does not exist,
// belongs to another tenant or lives in another profile.
var errCustomerNotFound = &vault.Error{Code: vault.CodeNotFound, Public: "customer not found"}

// updateAttempts bounds the retries of an optimistic update that lost a race.
const updateAttempts = 5

// newGlobalID returns an id in Hyperswitch's global-id style:
// "<cell>_<kind>_<uuid v7 as 32 hex digits>", time-ordered.
//
// An id is kept in the clear (a card's reference is its payment method's
// id), where the core refuses anything that looks like a card number. A
// UUID's 32 hex digits hold a Luhn-valid run of 13 or more decimal digits
// in about 1 of 600 draws, so such a draw is made again.
func newGlobalID(kind string) string {
	for {
		id := idCell + "_" + kind + "_" + strings.ReplaceAll(uuid.Must(uuid.NewV7()).String(), "-", "")
		if !card.ContainsPAN(id) {
			return id
		}
	}
}

// CreateCustomer stores a customer in a profile, sealing its personal data.
// A reference already used in the profile is a conflict.
func (s *Service) CreateCustomer(ctx context.Context, tenant string, in CustomerInput) (Customer, error) {
	if err := validateCustomer(in.Profile, in.Reference, &in.Personal, &in.Public); err != nil {
		return Customer{}, err
	}
	refKey := ""
	if in.Reference != "" {
		var err error
		if refKey, err = s.v.MAC(ctx, tenant, macReference, in.Reference); err != nil {
			return Customer{}, err
		}
	}
	r, err := customerRecords.Put(ctx, s.v, vault.Stored[customerData]{Tenant: tenant, ID: newGlobalID("cus"),
		Value: customerData{Profile: in.Profile, Reference: in.Reference, RefKey: refKey, Personal: in.Personal, Public: in.Public}})
	if errors.Is(err, vault.ErrConflict) {
		return Customer{}, &vault.Error{Code: vault.CodeConflict, Field: "merchant_reference_id",
			Public: "a customer with this merchant reference already exists in this profile", Err: err}
	}
	if err != nil {
		return Customer{}, err
	}
	return customerOf(r), nil
}

// validateCustomer checks the parts of a customer the vault is responsible
// for, and turns empty JSON into empty objects.
func validateCustomer(profile, reference string, personal, public *json.RawMessage) error {
	switch {
	case !ValidProfile(profile):
		return vault.Invalid("profile", "profile id must be 1-%d letters, digits, '_' or '-'", MaxProfileLen)
	case reference != "" && !ValidCustomerReference(reference):
		return vault.Invalid("merchant_reference_id", referenceRule)
	}
	if err := jsonObject(personal, "personal", MaxPersonalSize); err != nil {
		return err
	}
	return jsonObject(public, "public", MaxPublicSize)
}

// jsonObject checks that *raw is a JSON object of at most max bytes; empty
// becomes {}.
func jsonObject(raw *json.RawMessage, field string, max int) error {
	if len(bytes.TrimSpace(*raw)) == 0 {
		*raw = json.RawMessage(`{}`)
		return nil
	}
	if len(*raw) > max {
		return vault.Invalid(field, "%s data must be at most %d bytes", field, max)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(*raw, &m); err != nil || m == nil {
		return vault.Invalid(field, "%s data must be a JSON object", field)
	}
	return nil
}

// customerKey is the unique key of a customer with a reference, or "".
func customerKey(profile, refKey string) string {
	if refKey == "" {
		return ""
	}
	return profile + "/" + refKey
}

// macReference separates reference hashes from every other keyed hash.
const macReference = "customer-reference"

// referenceRule says what a merchant reference may be (ValidCustomerReference).
const referenceRule = "merchant reference must be 1-64 characters, without control characters or a card number"

// loadCustomer reads a live customer of the tenant and profile. Another
// tenant's or profile's customer is not found, exactly like a missing one.
func loadCustomer(ctx context.Context, v *vault.Service, tenant, profile, id string) (vault.Stored[customerData], error) {
	r, err := customerRecords.Get(ctx, v, tenant, id)
	if errors.Is(err, vault.ErrNotFound) || (err == nil && r.Value.Profile != profile) {
		return r, errCustomerNotFound
	}
	return r, err
}

// customerOf is the customer a record holds.
func customerOf(r vault.Stored[customerData]) Customer {
	d := r.Value
	public := d.Public
	if len(public) == 0 {
		public = json.RawMessage(`{}`)
	}
	return Customer{ID: r.ID, Tenant: r.Tenant, Profile: d.Profile, Reference: d.Reference, Personal: d.Personal,
		Public: public, DefaultPaymentMethod: d.DefaultPaymentMethod, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// GetCustomer returns a customer of the profile with its personal data opened.
func (s *Service) GetCustomer(ctx context.Context, tenant, profile, id string) (Customer, error) {
	r, err := loadCustomer(ctx, s.v, tenant, profile, id)
	if err != nil {
		return Customer{}, vault.DomainError(err)
	}
	return customerOf(r), nil
}

// ListCustomers pages through a profile's customers in id (creation) order.
func (s *Service) ListCustomers(ctx context.Context, tenant, profile string, p vault.Page) ([]Customer, error) {
	if !ValidProfile(profile) {
		return nil, vault.Invalid("profile", "profile id must be 1-%d letters, digits, '_' or '-'", MaxProfileLen)
	}
	rs, err := customerRecords.List(ctx, s.v, tenant, profile, p)
	if err != nil {
		return nil, err
	}
	out := make([]Customer, 0, len(rs))
	for _, r := range rs {
		out = append(out, customerOf(r))
	}
	return out, nil
}

// UpdateCustomer applies change to a customer of the profile and stores the
// result, re-sealing its personal data. change may set Personal, Public and
// DefaultPaymentMethod (which must name a payment method of this customer,
// or be ""); other fields are kept. It runs inside a store transaction and
// may run more than once when a concurrent update wins, so it must only
// edit the customer it is given.
func (s *Service) UpdateCustomer(ctx context.Context, tenant, profile, id string, change func(*Customer) error) (Customer, error) {
	var out Customer
	err := vault.RetryLostRaces(updateAttempts, func() error {
		return s.v.Tx(ctx, func(tx *vault.Service) error {
			var e error
			out, e = updateCustomer(ctx, tx, tenant, profile, id, change)
			return e
		})
	})
	return out, vault.DomainError(err)
}

// updateCustomer is one attempt of UpdateCustomer inside tx.
func updateCustomer(ctx context.Context, tx *vault.Service, tenant, profile, id string, change func(*Customer) error) (Customer, error) {
	r, err := loadCustomer(ctx, tx, tenant, profile, id)
	if err != nil {
		return Customer{}, err
	}
	c := customerOf(r)
	next := c
	if err := change(&next); err != nil {
		return Customer{}, err
	}
	c.Personal, c.Public = next.Personal, next.Public
	if err := validateCustomer(c.Profile, c.Reference, &c.Personal, &c.Public); err != nil {
		return Customer{}, err
	}
	if next.DefaultPaymentMethod != c.DefaultPaymentMethod && next.DefaultPaymentMethod != "" {
		pm, err := loadPaymentMethod(ctx, tx, tenant, profile, next.DefaultPaymentMethod)
		if err != nil || pm.Value.CustomerID != c.ID {
			return Customer{}, vault.Invalid("default_payment_method_id", "the default payment method must be one of this customer's payment methods")
		}
	}
	r.Value.Personal, r.Value.Public, r.Value.DefaultPaymentMethod = c.Personal, c.Public, next.DefaultPaymentMethod
	saved, err := customerRecords.Update(ctx, tx, r)
	if err != nil {
		return Customer{}, err
	}
	return customerOf(saved), nil
}

// CustomerDeletion reports what DeleteCustomer removed.
type CustomerDeletion struct {
	Reference string
	// PaymentMethods is how many payment methods (and their cards) went.
	PaymentMethods int
}

// DeleteCustomer removes a customer of the profile together with every
// payment method saved for it, their cards and held security codes, in one
// transaction.
func (s *Service) DeleteCustomer(ctx context.Context, tenant, profile, id string) (CustomerDeletion, error) {
	var out CustomerDeletion
	err := s.v.Tx(ctx, func(tx *vault.Service) error {
		r, err := loadCustomer(ctx, tx, tenant, profile, id)
		if err != nil {
			return err
		}
		out.Reference = r.Value.Reference
		pms, err := paymentMethodRecords.All(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		for _, pm := range pms {
			if err := deleteCard(ctx, tx, tenant, pm.Value.CardID); err != nil {
				return err
			}
		}
		if _, err := paymentMethodRecords.DeleteByParent(ctx, tx, tenant, id); err != nil {
			return err
		}
		out.PaymentMethods = len(pms)
		return customerRecords.Delete(ctx, tx, tenant, id)
	})
	return out, vault.DomainError(err)
}

// deleteCard removes a card and its held security code; a card that is
// already gone is not an error.
func deleteCard(ctx context.Context, tx *vault.Service, tenant, cardID string) error {
	if err := tx.DeleteCard(ctx, tenant, cardID); vault.CodeOf(err) != vault.CodeNotFound {
		return err
	}
	if err := tx.DropSecurityCode(ctx, tenant, cardID); vault.CodeOf(err) != vault.CodeNotFound {
		return err
	}
	return nil
}
