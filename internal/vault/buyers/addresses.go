package buyers

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault"
)

// Address is a buyer's shipping address: names, contact and postal
// details as a JSON object chosen by the facade, sealed at rest.
type Address struct {
	ID        string
	BuyerID   string
	Details   json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// addressData is an address record's value; the record's parent is the buyer.
type addressData struct {
	BuyerID string          `json:"buyer_id"`
	Details json.RawMessage `json:"details"`
}

var addressRecords = vault.NewRecordType(vault.KindBuyerAddress, 1, nil, func(d *addressData) string { return d.BuyerID })

// errAddressNotFound answers an address that is missing, another buyer's
// or another tenant's.
var errAddressNotFound = &vault.Error{Code: vault.CodeNotFound, Public: "the shipping details could not be found"}

func addressOf(r vault.Stored[addressData]) Address {
	return Address{ID: r.ID, BuyerID: r.Value.BuyerID, Details: r.Value.Details, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// AddAddress stores a shipping address for the buyer.
func (s *Service) AddAddress(ctx context.Context, tenant, buyerID string, details json.RawMessage) (Address, error) {
	if err := jsonObject(&details, "details"); err != nil {
		return Address{}, err
	}
	var out Address
	err := s.v.Tx(ctx, func(tx *vault.Service) error {
		if _, err := load(ctx, tx, tenant, buyerID); err != nil {
			return err
		}
		n, err := addressRecords.List(ctx, tx, tenant, buyerID, vault.Page{Limit: MaxAddresses})
		if err != nil {
			return err
		}
		if len(n) >= MaxAddresses {
			return vault.Invalid("body", "a buyer may have at most %d shipping details", MaxAddresses)
		}
		r, err := addressRecords.Put(ctx, tx, vault.Stored[addressData]{Tenant: tenant, ID: uuid.Must(uuid.NewV7()).String(),
			Value: addressData{BuyerID: buyerID, Details: details}})
		out = addressOf(r)
		return err
	})
	return out, vault.DomainError(err)
}

// Addresses lists the buyer's shipping addresses, oldest first.
func (s *Service) Addresses(ctx context.Context, tenant, buyerID string) ([]Address, error) {
	if _, err := load(ctx, s.v, tenant, buyerID); err != nil {
		return nil, err
	}
	rs, err := addressRecords.All(ctx, s.v, tenant, buyerID)
	if err != nil {
		return nil, err
	}
	out := make([]Address, len(rs))
	for i, r := range rs {
		out[i] = addressOf(r)
	}
	return out, nil
}

// loadAddress reads one of the buyer's addresses.
func loadAddress(ctx context.Context, v *vault.Service, tenant, buyerID, id string) (vault.Stored[addressData], error) {
	if _, err := uuid.Parse(id); err != nil {
		return vault.Stored[addressData]{}, errAddressNotFound
	}
	r, err := addressRecords.Get(ctx, v, tenant, id)
	if errors.Is(err, vault.ErrNotFound) || err == nil && r.Value.BuyerID != buyerID {
		return r, errAddressNotFound
	}
	return r, err
}

// Address returns one of the buyer's shipping addresses.
func (s *Service) Address(ctx context.Context, tenant, buyerID, id string) (Address, error) {
	r, err := loadAddress(ctx, s.v, tenant, buyerID, id)
	if err != nil {
		return Address{}, err
	}
	return addressOf(r), nil
}

// UpdateAddress replaces the details of one of the buyer's addresses with
// what change returns from the current ones.
func (s *Service) UpdateAddress(ctx context.Context, tenant, buyerID, id string,
	change func(json.RawMessage) (json.RawMessage, error)) (Address, error) {
	var out Address
	err := s.v.Tx(ctx, func(tx *vault.Service) error {
		r, err := loadAddress(ctx, tx, tenant, buyerID, id)
		if err != nil {
			return err
		}
		d, err := change(r.Value.Details)
		if err != nil {
			return err
		}
		if err := jsonObject(&d, "details"); err != nil {
			return err
		}
		r.Value.Details, r.UpdatedAt = d, tx.Now()
		r, err = addressRecords.Update(ctx, tx, r)
		out = addressOf(r)
		return err
	})
	return out, vault.DomainError(err)
}

// DeleteAddress removes one of the buyer's addresses.
func (s *Service) DeleteAddress(ctx context.Context, tenant, buyerID, id string) error {
	return vault.DomainError(s.v.Tx(ctx, func(tx *vault.Service) error {
		if _, err := loadAddress(ctx, tx, tenant, buyerID, id); err != nil {
			return err
		}
		return addressRecords.Delete(ctx, tx, tenant, id)
	}))
}
