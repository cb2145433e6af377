package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/google/uuid"
)

// errCustomerNotFound is the one answer for a customer that does not exist,
// belongs to another tenant or lives in another profile.
var errCustomerNotFound = &Error{Code: CodeNotFound, Public: "customer not found"}

// updateAttempts bounds the retries of an optimistic update that lost a race.
const updateAttempts = 5

// newGlobalID returns an id in Hyperswitch's global-id style:
// "<cell>_<kind>_<uuid v7 as 32 hex digits>", time-ordered.
func newGlobalID(kind string) string {
	return idCell + "_" + kind + "_" + strings.ReplaceAll(uuid.Must(uuid.NewV7()).String(), "-", "")
}

// CreateCustomer stores a customer in a profile, sealing its personal data.
// A reference already used in the profile is a conflict.
func (s *Service) CreateCustomer(ctx context.Context, tenant string, in CustomerInput) (Customer, error) {
	if err := validateCustomer(in.Profile, in.Reference, &in.Personal, &in.Public); err != nil {
		return Customer{}, err
	}
	now := s.Now()
	c := Customer{ID: newGlobalID("cus"), Tenant: tenant, Profile: in.Profile, Reference: in.Reference,
		Personal: in.Personal, Public: in.Public, CreatedAt: now, UpdatedAt: now}
	r := Record{Tenant: tenant, Kind: KindCustomer, ID: c.ID, Key: customerKey(in.Profile, in.Reference),
		Parent: in.Profile, Version: 1, CreatedAt: now, UpdatedAt: now}
	var err error
	if r.Data, err = s.customerData(ctx, c); err != nil {
		return Customer{}, err
	}
	if err := s.store.CreateRecord(ctx, r); err != nil {
		if errors.Is(err, ErrConflict) {
			return Customer{}, &Error{Code: CodeConflict, Field: "merchant_reference_id",
				Public: "a customer with this merchant reference already exists in this profile", Err: err}
		}
		return Customer{}, err
	}
	return c, nil
}

// validateCustomer checks the parts of a customer the vault is responsible
// for, and turns empty JSON into empty objects.
func validateCustomer(profile, reference string, personal, public *json.RawMessage) error {
	switch {
	case !ValidProfile(profile):
		return Invalid("profile", "profile id must be 1-%d letters, digits, '_' or '-'", MaxProfileLen)
	case reference != "" && !ValidCustomerReference(reference):
		return Invalid("merchant_reference_id", "merchant reference must be 1-%d letters, digits, '_' or '-'", MaxCustomerReferenceLen)
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
		return Invalid(field, "%s data must be at most %d bytes", field, max)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(*raw, &m); err != nil || m == nil {
		return Invalid(field, "%s data must be a JSON object", field)
	}
	return nil
}

// customerKey is the unique key of a customer with a reference, or "".
func customerKey(profile, reference string) string {
	if reference == "" {
		return ""
	}
	return profile + "/" + reference
}

// customerData seals c's personal data and encodes the record's Data.
func (s *Service) customerData(ctx context.Context, c Customer) ([]byte, error) {
	sealed, err := s.Seal(ctx, c.Tenant, c.ID, fieldCustomerPersonal, c.Personal)
	if err != nil {
		return nil, err
	}
	return json.Marshal(customerData{Profile: c.Profile, Reference: c.Reference, Personal: sealed,
		Public: c.Public, DefaultPaymentMethod: c.DefaultPaymentMethod})
}

// loadCustomer reads a live customer record of the tenant and profile.
// Another tenant's or profile's customer is not found, exactly like a
// missing one.
func (s *Service) loadCustomer(ctx context.Context, st Store, tenant, profile, id string) (Record, customerData, error) {
	r, err := st.GetRecord(ctx, KindCustomer, id, s.Now())
	if errors.Is(err, ErrNotFound) {
		return Record{}, customerData{}, errCustomerNotFound
	}
	if err != nil {
		return Record{}, customerData{}, err
	}
	var d customerData
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return Record{}, customerData{}, err
	}
	if r.Tenant != tenant || d.Profile != profile {
		return Record{}, customerData{}, errCustomerNotFound
	}
	return r, d, nil
}

// openCustomer decrypts a customer record.
func (s *Service) openCustomer(ctx context.Context, r Record, d customerData) (Customer, error) {
	personal, err := s.Open(ctx, r.Tenant, r.ID, fieldCustomerPersonal, d.Personal)
	if err != nil {
		return Customer{}, err
	}
	public := d.Public
	if len(public) == 0 {
		public = json.RawMessage(`{}`)
	}
	return Customer{ID: r.ID, Tenant: r.Tenant, Profile: d.Profile, Reference: d.Reference, Personal: personal,
		Public: public, DefaultPaymentMethod: d.DefaultPaymentMethod, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

// GetCustomer returns a customer of the profile with its personal data opened.
func (s *Service) GetCustomer(ctx context.Context, tenant, profile, id string) (Customer, error) {
	r, d, err := s.loadCustomer(ctx, s.store, tenant, profile, id)
	if err != nil {
		return Customer{}, domainErr(err)
	}
	c, err := s.openCustomer(ctx, r, d)
	return c, domainErr(err)
}

// ListCustomers pages through a profile's customers in id (creation) order.
func (s *Service) ListCustomers(ctx context.Context, tenant, profile string, p Page) ([]Customer, error) {
	if !ValidProfile(profile) {
		return nil, Invalid("profile", "profile id must be 1-%d letters, digits, '_' or '-'", MaxProfileLen)
	}
	rs, err := s.store.ListRecords(ctx, RecordQuery{Tenant: tenant, Kind: KindCustomer, Parent: profile, Page: p}, s.Now())
	if err != nil {
		return nil, err
	}
	out := make([]Customer, 0, len(rs))
	for _, r := range rs {
		var d customerData
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return nil, err
		}
		c, err := s.openCustomer(ctx, r, d)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
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
	var err error
	for range updateAttempts {
		err = s.store.Tx(ctx, func(tx Store) error {
			var e error
			out, e = s.updateCustomer(ctx, tx, tenant, profile, id, change)
			return e
		})
		if !lostRace(err) {
			break
		}
	}
	return out, domainErr(err)
}

// lostRace reports whether err is a store conflict from an optimistic
// update that another writer beat, as opposed to a conflict for the caller.
func lostRace(err error) bool {
	var e *Error
	return errors.Is(err, ErrConflict) && !errors.As(err, &e)
}

// updateCustomer is one attempt of UpdateCustomer inside tx.
func (s *Service) updateCustomer(ctx context.Context, tx Store, tenant, profile, id string, change func(*Customer) error) (Customer, error) {
	r, d, err := s.loadCustomer(ctx, tx, tenant, profile, id)
	if err != nil {
		return Customer{}, err
	}
	c, err := s.openCustomer(ctx, r, d)
	if err != nil {
		return Customer{}, err
	}
	next := c
	if err := change(&next); err != nil {
		return Customer{}, err
	}
	c.Personal, c.Public = next.Personal, next.Public
	if err := validateCustomer(c.Profile, c.Reference, &c.Personal, &c.Public); err != nil {
		return Customer{}, err
	}
	if next.DefaultPaymentMethod != c.DefaultPaymentMethod && next.DefaultPaymentMethod != "" {
		pm, _, err := s.loadPaymentMethod(ctx, tx, tenant, profile, next.DefaultPaymentMethod)
		if err != nil || pm.Parent != c.ID {
			return Customer{}, Invalid("default_payment_method_id", "the default payment method must be one of this customer's payment methods")
		}
	}
	c.DefaultPaymentMethod = next.DefaultPaymentMethod
	c.UpdatedAt = s.Now()
	if r.Data, err = s.customerData(ctx, c); err != nil {
		return Customer{}, err
	}
	saved, err := tx.UpdateRecord(ctx, r, c.UpdatedAt)
	if err != nil {
		return Customer{}, err
	}
	c.UpdatedAt = saved.UpdatedAt
	return c, nil
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
	err := s.store.Tx(ctx, func(tx Store) error {
		_, d, err := s.loadCustomer(ctx, tx, tenant, profile, id)
		if err != nil {
			return err
		}
		out.Reference = d.Reference
		pms, err := s.allRecords(ctx, tx, RecordQuery{Tenant: tenant, Kind: KindPaymentMethod, Parent: id})
		if err != nil {
			return err
		}
		for _, r := range pms {
			var pd paymentMethodData
			if err := json.Unmarshal(r.Data, &pd); err != nil {
				return err
			}
			if err := deleteCardAndHold(ctx, tx, tenant, pd.CardID); err != nil {
				return err
			}
		}
		if _, err := tx.DeleteRecords(ctx, tenant, KindPaymentMethod, id); err != nil {
			return err
		}
		out.PaymentMethods = len(pms)
		return tx.DeleteRecord(ctx, tenant, KindCustomer, id)
	})
	return out, domainErr(err)
}

// allRecords reads every live record q selects, page by page.
func (s *Service) allRecords(ctx context.Context, st Store, q RecordQuery) ([]Record, error) {
	var out []Record
	q.Limit = 500
	for {
		page, err := st.ListRecords(ctx, q, s.Now())
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < q.Limit {
			return out, nil
		}
		q.After = page[len(page)-1].ID
	}
}

// deleteCardAndHold removes a card and its held security code; a card that
// is already gone is not an error.
func deleteCardAndHold(ctx context.Context, tx Store, tenant, cardID string) error {
	if err := tx.DeleteCard(ctx, tenant, cardID); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	_, err := tx.DeleteRecords(ctx, tenant, kindSecurityCode, cardID)
	return err
}
