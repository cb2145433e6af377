package buyers

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault"
)

// The line types of a cardvault export (docs/export-format.md) that this
// package writes and reads.
const (
	LineBuyer        = "buyer"
	LineBuyerCard    = "buyer_card"
	LineBuyerAddress = "buyer_address"
)

// BuyerLine is a buyer as an export carries it; the keyed hash of its
// external identifier is recomputed by the importing tenant.
type BuyerLine struct {
	Type      string          `json:"type"`
	ID        string          `json:"id"`
	Reference string          `json:"external_identifier,omitempty"`
	Details   json.RawMessage `json:"details,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// CardLine says a card (a card line of the same export) is a buyer's.
type CardLine struct {
	Type    string `json:"type"`
	CardID  string `json:"card_id"`
	BuyerID string `json:"buyer_id"`
}

// AddressLine is a buyer's shipping address.
type AddressLine struct {
	Type      string          `json:"type"`
	ID        string          `json:"id"`
	BuyerID   string          `json:"buyer_id"`
	Details   json.RawMessage `json:"details,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// LineTypes names the export line types ImportObject stores.
func (s *Service) LineTypes() []string { return []string{LineBuyer, LineBuyerCard, LineBuyerAddress} }

// EachObject calls fn with every buyer of the tenant, then every card
// link, then every address, as export lines, one page at a time.
func (s *Service) EachObject(ctx context.Context, tenant string, fn func(line any) error) error {
	if err := buyerRecords.Each(ctx, s.v, tenant, "", func(r vault.Stored[buyerData]) error {
		return fn(BuyerLine{Type: LineBuyer, ID: r.ID, Reference: r.Value.Reference, Details: r.Value.Details, CreatedAt: r.CreatedAt})
	}); err != nil {
		return err
	}
	if err := cardRecords.Each(ctx, s.v, tenant, "", func(r vault.Stored[cardLink]) error {
		return fn(CardLine{Type: LineBuyerCard, CardID: r.ID, BuyerID: r.Value.BuyerID})
	}); err != nil {
		return err
	}
	return addressRecords.Each(ctx, s.v, tenant, "", func(r vault.Stored[addressData]) error {
		return fn(AddressLine{Type: LineBuyerAddress, ID: r.ID, BuyerID: r.Value.BuyerID, Details: r.Value.Details, CreatedAt: r.CreatedAt})
	})
}

// ImportObject stores one buyer, card link or address line under its id.
// A link's card and buyer, and an address's buyer, must be imported first.
// A line whose id already holds the same object is AlreadyImported; an id
// or external identifier held by another is a conflict.
func (s *Service) ImportObject(ctx context.Context, tenant, typ string, raw json.RawMessage) (vault.ImportOutcome, error) {
	switch typ {
	case LineBuyer:
		var l BuyerLine
		if json.Unmarshal(raw, &l) != nil || !isUUID(l.ID) {
			return 0, vault.Invalid("id", "not a buyer line with a UUID id")
		}
		b := Buyer{Tenant: tenant, Reference: l.Reference, Details: l.Details}
		if err := validate(&b); err != nil {
			return 0, err
		}
		d, err := s.data(ctx, s.v, b)
		if err != nil {
			return 0, err
		}
		return buyerRecords.Import(ctx, s.v, vault.Stored[buyerData]{Tenant: tenant, ID: l.ID, CreatedAt: l.CreatedAt, Value: d},
			func(old buyerData) bool { return old.Reference == l.Reference }, "buyer id or external identifier is taken by another buyer")
	case LineBuyerCard:
		var l CardLine
		if json.Unmarshal(raw, &l) != nil || !isUUID(l.CardID) {
			return 0, vault.Invalid("card_id", "not a buyer card line with a UUID card id")
		}
		if _, err := s.v.GetCard(ctx, tenant, l.CardID); err != nil {
			return 0, vault.Invalid("card_id", "the buyer's card is not in the import")
		}
		if _, err := load(ctx, s.v, tenant, l.BuyerID); err != nil {
			return 0, vault.Invalid("buyer_id", "the card's buyer is not in the import")
		}
		return cardRecords.Import(ctx, s.v, vault.Stored[cardLink]{Tenant: tenant, ID: l.CardID, Value: cardLink{BuyerID: l.BuyerID}},
			func(old cardLink) bool { return old.BuyerID == l.BuyerID }, "the card belongs to another buyer")
	case LineBuyerAddress:
		var l AddressLine
		if json.Unmarshal(raw, &l) != nil || !isUUID(l.ID) {
			return 0, vault.Invalid("id", "not a buyer address line with a UUID id")
		}
		if err := jsonObject(&l.Details, "details"); err != nil {
			return 0, err
		}
		if _, err := load(ctx, s.v, tenant, l.BuyerID); err != nil {
			return 0, vault.Invalid("buyer_id", "the address's buyer is not in the import")
		}
		return addressRecords.Import(ctx, s.v, vault.Stored[addressData]{Tenant: tenant, ID: l.ID, CreatedAt: l.CreatedAt,
			Value: addressData{BuyerID: l.BuyerID, Details: l.Details}},
			func(old addressData) bool { return old.BuyerID == l.BuyerID }, "address id is taken by another address")
	}
	return 0, vault.Invalid("type", "unknown line type %q", typ)
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
