package customers

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cardvault/cardvault/internal/objectid"
	"github.com/cardvault/cardvault/internal/vault"
)

// The line types of a cardvault export (docs/export-format.md) that this
// package writes and reads.
const (
	LineCustomer      = "customer"
	LinePaymentMethod = "payment_method"
)

// CustomerLine is a customer as an export carries it, personal data in the
// clear (the file is encrypted). The keyed hash of its reference is not
// exported: the importing tenant computes its own.
type CustomerLine struct {
	Type                 string          `json:"type"`
	ID                   string          `json:"id"`
	Profile              string          `json:"profile"`
	Reference            string          `json:"reference,omitempty"`
	Personal             json.RawMessage `json:"personal,omitempty"`
	Public               json.RawMessage `json:"public,omitempty"`
	DefaultPaymentMethod string          `json:"default_payment_method,omitempty"`
	CreatedAt            time.Time       `json:"created_at"`
}

// PaymentMethodLine is a payment method as an export carries it. Its card
// is a card line of the same export (CardID); the card's fingerprint is
// not exported but recomputed by the importing tenant.
type PaymentMethodLine struct {
	Type            string           `json:"type"`
	ID              string           `json:"id"`
	Profile         string           `json:"profile"`
	CustomerID      string           `json:"customer_id"`
	CardID          string           `json:"card_id"`
	Personal        json.RawMessage  `json:"personal,omitempty"`
	Public          json.RawMessage  `json:"public,omitempty"`
	ConnectorTokens []ConnectorToken `json:"connector_tokens,omitempty"`
	CreatedAt       time.Time        `json:"created_at"`
}

// EachObject calls fn with every live customer of the tenant, then every
// live payment method, as export lines, one page at a time.
func (s *Service) EachObject(ctx context.Context, tenant string, fn func(line any) error) error {
	if err := customerRecords.Each(ctx, s.v, tenant, "", func(r vault.Stored[customerData]) error {
		d := r.Value
		return fn(CustomerLine{Type: LineCustomer, ID: r.ID, Profile: d.Profile, Reference: d.Reference, Personal: d.Personal,
			Public: d.Public, DefaultPaymentMethod: d.DefaultPaymentMethod, CreatedAt: r.CreatedAt})
	}); err != nil {
		return err
	}
	return paymentMethodRecords.Each(ctx, s.v, tenant, "", func(r vault.Stored[paymentMethodData]) error {
		d := r.Value
		return fn(PaymentMethodLine{Type: LinePaymentMethod, ID: r.ID, Profile: d.Profile, CustomerID: d.CustomerID,
			CardID: d.CardID, Personal: d.Personal, Public: d.Public, ConnectorTokens: d.Tokens, CreatedAt: r.CreatedAt})
	})
}

// ImportObject stores one customer or payment-method line under its id,
// with the keyed hashes (reference, card fingerprint) of this tenant. A
// payment method's customer and card must be imported first. A line whose
// id already holds the same object is AlreadyImported (re-running an
// import is a no-op); an id or reference held by another object is a
// conflict; a malformed line is invalid. Errors never hold a card number.
func (s *Service) ImportObject(ctx context.Context, tenant, typ string, raw json.RawMessage) (vault.ImportOutcome, error) {
	switch typ {
	case LineCustomer:
		var l CustomerLine
		if err := json.Unmarshal(raw, &l); err != nil {
			return 0, vault.Invalid("customer", "not a customer line")
		}
		return s.importCustomer(ctx, tenant, l)
	case LinePaymentMethod:
		var l PaymentMethodLine
		if err := json.Unmarshal(raw, &l); err != nil {
			return 0, vault.Invalid("payment_method", "not a payment method line")
		}
		return s.importPaymentMethod(ctx, tenant, l)
	}
	return 0, vault.Invalid("type", "unknown line type %q", typ)
}

func (s *Service) importCustomer(ctx context.Context, tenant string, l CustomerLine) (vault.ImportOutcome, error) {
	if !objectid.Valid(l.ID) {
		return 0, vault.Invalid("id", "customer id must be "+objectid.Rule)
	}
	if err := validateCustomer(l.Profile, l.Reference, &l.Personal, &l.Public); err != nil {
		return 0, err
	}
	if l.DefaultPaymentMethod != "" && !objectid.Valid(l.DefaultPaymentMethod) {
		return 0, vault.Invalid("default_payment_method", "not a payment method id")
	}
	refKey := ""
	if l.Reference != "" {
		var err error
		if refKey, err = s.v.MAC(ctx, tenant, macReference, l.Reference); err != nil {
			return 0, err
		}
	}
	return customerRecords.Import(ctx, s.v, vault.Stored[customerData]{Tenant: tenant, ID: l.ID, CreatedAt: l.CreatedAt,
		Value: customerData{Profile: l.Profile, Reference: l.Reference, RefKey: refKey, Personal: l.Personal, Public: l.Public,
			DefaultPaymentMethod: l.DefaultPaymentMethod}},
		func(old customerData) bool { return old.Profile == l.Profile && old.Reference == l.Reference },
		"customer id or reference is taken by another customer")
}

func (s *Service) importPaymentMethod(ctx context.Context, tenant string, l PaymentMethodLine) (vault.ImportOutcome, error) {
	if !objectid.Valid(l.ID) {
		return 0, vault.Invalid("id", "payment method id must be "+objectid.Rule)
	}
	if len(l.ConnectorTokens) > MaxConnectorTokens {
		return 0, vault.Invalid("connector_tokens", "at most %d connector tokens", MaxConnectorTokens)
	}
	if err := jsonObject(&l.Personal, "personal", MaxPersonalSize); err != nil {
		return 0, err
	}
	if err := jsonObject(&l.Public, "public", MaxPublicSize); err != nil {
		return 0, err
	}
	if _, err := loadCustomer(ctx, s.v, tenant, l.Profile, l.CustomerID); err != nil {
		return 0, vault.Invalid("customer_id", "the payment method's customer is not in the import (or in another profile)")
	}
	c, err := s.v.GetCard(ctx, tenant, l.CardID)
	if vault.CodeOf(err) == vault.CodeNotFound {
		return 0, vault.Invalid("card_id", "the payment method's card is not in the import")
	}
	if err != nil {
		return 0, err
	}
	if l.ConnectorTokens == nil {
		l.ConnectorTokens = []ConnectorToken{}
	}
	return paymentMethodRecords.Import(ctx, s.v, vault.Stored[paymentMethodData]{Tenant: tenant, ID: l.ID, CreatedAt: l.CreatedAt,
		Value: paymentMethodData{Profile: l.Profile, CustomerID: l.CustomerID, CardID: l.CardID, Fingerprint: c.Fingerprint,
			Personal: l.Personal, Tokens: l.ConnectorTokens, Public: l.Public}},
		func(old paymentMethodData) bool { return old.CardID == l.CardID && old.CustomerID == l.CustomerID },
		"payment method id, or this card for this customer, is taken by another payment method")
}

// LineTypes names the export line types ImportObject stores.
func (s *Service) LineTypes() []string { return []string{LineCustomer, LinePaymentMethod} }
