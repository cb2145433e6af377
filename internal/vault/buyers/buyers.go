// Package buyers keeps a merchant's buyers, the stored cards that belong to
// them and their shipping addresses, on the vault core's cards and typed
// records. Everything a buyer holds (names, contact and billing details,
// its external identifier) is sealed with its record; only a keyed hash of
// the external identifier is kept in the clear, to find a buyer by it and
// keep it unique within a tenant. A card belongs to at most one buyer, and
// deleting a buyer deletes its cards, their held security codes and its
// addresses in one transaction.
package buyers

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault"
)

// Limits on what a buyer holds.
const (
	// MaxReferenceLen is the longest external identifier, in bytes.
	MaxReferenceLen = 200
	// MaxDetailsSize caps a buyer's or an address's sealed details.
	MaxDetailsSize = 16 << 10
	// MaxAddresses caps the shipping addresses of one buyer.
	MaxAddresses = 100
)

// macDomain separates the keyed hash of a buyer's external identifier from
// every other use of the tenant's index key.
const macDomain = "buyer-reference"

// Buyer is a merchant's buyer.
type Buyer struct {
	ID     string
	Tenant string
	// Reference is the merchant's own identifier for the buyer, unique
	// within the tenant, or "".
	Reference string
	// Details is the rest of what the merchant keeps about the buyer
	// (display name, billing details, account number, …) as a JSON object
	// chosen by the facade; sealed at rest, never interpreted here.
	Details   json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// buyerData is a buyer record's value. RefMAC is the record's clear key.
type buyerData struct {
	Reference string          `json:"reference,omitempty"`
	RefMAC    string          `json:"ref_mac,omitempty"`
	Details   json.RawMessage `json:"details"`
}

var buyerRecords = vault.NewRecordType(vault.KindBuyer, 1, func(d *buyerData) string { return d.RefMAC }, nil)

// Service keeps buyers on a vault.
type Service struct{ v *vault.Service }

// New returns the service over v.
func New(v *vault.Service) *Service { return &Service{v: v} }

// errNotFound is the one answer for a buyer that is missing or another tenant's.
var errNotFound = &vault.Error{Code: vault.CodeNotFound, Public: "the buyer could not be found"}

// errDuplicate answers a second buyer with the same external identifier.
var errDuplicate = &vault.Error{Code: vault.CodeConflict, Public: "a buyer with this external identifier already exists"}

// validate checks a buyer's reference and details.
func validate(b *Buyer) error {
	if len(b.Reference) > MaxReferenceLen {
		return vault.Invalid("external_identifier", "external_identifier must be at most %d characters", MaxReferenceLen)
	}
	return jsonObject(&b.Details, "details")
}

// jsonObject checks that raw is a JSON object within MaxDetailsSize; empty
// becomes {}.
func jsonObject(raw *json.RawMessage, field string) error {
	if len(*raw) == 0 {
		*raw = json.RawMessage(`{}`)
		return nil
	}
	var m map[string]json.RawMessage
	if len(*raw) > MaxDetailsSize || json.Unmarshal(*raw, &m) != nil || m == nil {
		return vault.Invalid(field, "%s must be a JSON object of at most %d bytes", field, MaxDetailsSize)
	}
	return nil
}

// data turns b into a record value, hashing its reference.
func (s *Service) data(ctx context.Context, tx *vault.Service, b Buyer) (buyerData, error) {
	d := buyerData{Reference: b.Reference, Details: b.Details}
	if b.Reference != "" {
		mac, err := tx.MAC(ctx, b.Tenant, macDomain, b.Reference)
		if err != nil {
			return d, err
		}
		d.RefMAC = mac
	}
	return d, nil
}

// buyerOf turns a record into a Buyer.
func buyerOf(r vault.Stored[buyerData]) Buyer {
	return Buyer{ID: r.ID, Tenant: r.Tenant, Reference: r.Value.Reference, Details: r.Value.Details,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Create stores a new buyer of tenant (b.ID and times are set here).
func (s *Service) Create(ctx context.Context, tenant string, b Buyer) (Buyer, error) {
	b.Tenant = tenant
	if err := validate(&b); err != nil {
		return Buyer{}, err
	}
	d, err := s.data(ctx, s.v, b)
	if err != nil {
		return Buyer{}, err
	}
	r, err := buyerRecords.Put(ctx, s.v, vault.Stored[buyerData]{Tenant: tenant, ID: uuid.Must(uuid.NewV7()).String(), Value: d})
	if errors.Is(err, vault.ErrConflict) {
		return Buyer{}, errDuplicate
	}
	if err != nil {
		return Buyer{}, err
	}
	return buyerOf(r), nil
}

// Get returns a buyer of the tenant.
func (s *Service) Get(ctx context.Context, tenant, id string) (Buyer, error) {
	r, err := load(ctx, s.v, tenant, id)
	if err != nil {
		return Buyer{}, err
	}
	return buyerOf(r), nil
}

// load reads a buyer record; missing or another tenant's is errNotFound.
func load(ctx context.Context, v *vault.Service, tenant, id string) (vault.Stored[buyerData], error) {
	if _, err := uuid.Parse(id); err != nil {
		return vault.Stored[buyerData]{}, errNotFound
	}
	r, err := buyerRecords.Get(ctx, v, tenant, id)
	if errors.Is(err, vault.ErrNotFound) {
		return r, errNotFound
	}
	return r, err
}

// ByReference returns the tenant's buyer with that external identifier.
func (s *Service) ByReference(ctx context.Context, tenant, ref string) (Buyer, error) {
	if ref == "" || len(ref) > MaxReferenceLen {
		return Buyer{}, errNotFound
	}
	mac, err := s.v.MAC(ctx, tenant, macDomain, ref)
	if err != nil {
		return Buyer{}, err
	}
	r, err := buyerRecords.ByKey(ctx, s.v, tenant, mac)
	if errors.Is(err, vault.ErrNotFound) {
		return Buyer{}, errNotFound
	}
	if err != nil {
		return Buyer{}, err
	}
	return buyerOf(r), nil
}

// List pages through the tenant's buyers in id order.
func (s *Service) List(ctx context.Context, tenant string, p vault.Page) ([]Buyer, error) {
	rs, err := buyerRecords.List(ctx, s.v, tenant, "", p)
	if err != nil {
		return nil, err
	}
	out := make([]Buyer, len(rs))
	for i, r := range rs {
		out[i] = buyerOf(r)
	}
	return out, nil
}

// Update applies change to the buyer (its Reference and Details; other
// fields are ignored) and stores it. change may run more than once.
func (s *Service) Update(ctx context.Context, tenant, id string, change func(*Buyer) error) (Buyer, error) {
	var out Buyer
	err := s.v.Tx(ctx, func(tx *vault.Service) error {
		r, err := load(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		b := buyerOf(r)
		if err := change(&b); err != nil {
			return err
		}
		b.Tenant = tenant
		if err := validate(&b); err != nil {
			return err
		}
		if r.Value, err = s.data(ctx, tx, b); err != nil {
			return err
		}
		r.UpdatedAt = tx.Now()
		r, err = buyerRecords.Update(ctx, tx, r)
		if errors.Is(err, vault.ErrConflict) {
			return errDuplicate
		}
		out = buyerOf(r)
		return err
	})
	return out, vault.DomainError(err)
}

// Deletion says what deleting a buyer removed.
type Deletion struct {
	Cards     int
	Addresses int
}

// Delete removes the buyer, every card that belongs to it (with its held
// security code) and its addresses, in one transaction.
func (s *Service) Delete(ctx context.Context, tenant, id string) (Deletion, error) {
	var out Deletion
	err := s.v.Tx(ctx, func(tx *vault.Service) error {
		if _, err := load(ctx, tx, tenant, id); err != nil {
			return err
		}
		links, err := cardRecords.All(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		for _, l := range links {
			if err := deleteCard(ctx, tx, tenant, l.ID); err != nil {
				return err
			}
		}
		if out.Cards, err = cardRecords.DeleteByParent(ctx, tx, tenant, id); err != nil {
			return err
		}
		if out.Addresses, err = addressRecords.DeleteByParent(ctx, tx, tenant, id); err != nil {
			return err
		}
		return buyerRecords.Delete(ctx, tx, tenant, id)
	})
	return out, vault.DomainError(err)
}
