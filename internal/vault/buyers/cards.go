package buyers

import (
	"context"
	"errors"

	"github.com/cardvault/cardvault/internal/vault"
)

// cardLink says a card belongs to a buyer: its record id is the card's id
// (so a card belongs to one buyer at most), its parent the buyer's id.
type cardLink struct {
	BuyerID string `json:"buyer_id"`
}

var cardRecords = vault.NewRecordType(vault.KindBuyerCard, 1, nil, func(d *cardLink) string { return d.BuyerID })

// CreateCard stores a card for the buyer, in one transaction: the buyer
// must exist, and the card is its own from the start.
func (s *Service) CreateCard(ctx context.Context, tenant, buyerID string, in vault.CardInput) (vault.CardView, error) {
	var out vault.CardView
	err := s.v.Tx(ctx, func(tx *vault.Service) error {
		if _, err := load(ctx, tx, tenant, buyerID); err != nil {
			return err
		}
		c, err := tx.CreateCard(ctx, tenant, in)
		if err != nil {
			return err
		}
		out = c
		_, err = cardRecords.Put(ctx, tx, vault.Stored[cardLink]{Tenant: tenant, ID: c.ID, Value: cardLink{BuyerID: buyerID}})
		return err
	})
	return out, vault.DomainError(err)
}

// SetOwner makes the card belong to the buyer, or to no buyer when buyerID
// is "". The card and the buyer must be the tenant's.
func (s *Service) SetOwner(ctx context.Context, tenant, cardID, buyerID string) error {
	return vault.DomainError(s.v.Tx(ctx, func(tx *vault.Service) error {
		if _, err := tx.GetCard(ctx, tenant, cardID); err != nil {
			return err
		}
		if err := cardRecords.DeleteIfPresent(ctx, tx, tenant, cardID); err != nil {
			return err
		}
		if buyerID == "" {
			return nil
		}
		if _, err := load(ctx, tx, tenant, buyerID); err != nil {
			return err
		}
		_, err := cardRecords.Put(ctx, tx, vault.Stored[cardLink]{Tenant: tenant, ID: cardID, Value: cardLink{BuyerID: buyerID}})
		return err
	}))
}

// Owner returns the id of the buyer the card belongs to, or "" for none.
func (s *Service) Owner(ctx context.Context, tenant, cardID string) (string, error) {
	r, err := cardRecords.Get(ctx, s.v, tenant, cardID)
	if errors.Is(err, vault.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return r.Value.BuyerID, nil
}

// Cards returns the ids of the cards that belong to the buyer, oldest
// first. A missing buyer is not found.
func (s *Service) Cards(ctx context.Context, tenant, buyerID string) ([]string, error) {
	if _, err := load(ctx, s.v, tenant, buyerID); err != nil {
		return nil, err
	}
	links, err := cardRecords.All(ctx, s.v, tenant, buyerID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(links))
	for i, l := range links {
		ids[i] = l.ID
	}
	return ids, nil
}

// DeleteCard removes a card, its held security code and its link to a
// buyer, in one transaction. A missing card is not found.
func (s *Service) DeleteCard(ctx context.Context, tenant, cardID string) error {
	return vault.DomainError(s.v.Tx(ctx, func(tx *vault.Service) error {
		if err := tx.DeleteCard(ctx, tenant, cardID); err != nil {
			return err
		}
		if err := tx.DropSecurityCode(ctx, tenant, cardID); vault.CodeOf(err) != vault.CodeNotFound && err != nil {
			return err
		}
		return cardRecords.DeleteIfPresent(ctx, tx, tenant, cardID)
	}))
}

// deleteCard removes a card and its held security code inside tx; a card
// already gone is not an error.
func deleteCard(ctx context.Context, tx *vault.Service, tenant, cardID string) error {
	if err := tx.DeleteCard(ctx, tenant, cardID); err != nil && vault.CodeOf(err) != vault.CodeNotFound {
		return err
	}
	if err := tx.DropSecurityCode(ctx, tenant, cardID); err != nil && vault.CodeOf(err) != vault.CodeNotFound {
		return err
	}
	return nil
}
