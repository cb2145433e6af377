package customers

import (
	"encoding/json"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// PaymentMethod is a card saved for a customer. The card itself lives in the
// card store (sealed, found by fingerprint); the payment method adds what a
// merchant keeps about it: personal data, non-personal data and the tokens
// payment providers gave for the card, all sealed with the record.
type PaymentMethod struct {
	ID         string
	Tenant     string
	Profile    string
	CustomerID string
	// Card is the saved card, masked (its holder name opened).
	Card vault.CardView
	// SecurityCode says whether a security code is held for the card.
	SecurityCode vault.SecurityCodeHold
	// Personal is personal data about the card (nick name, billing
	// address, …) as a JSON object chosen by the facade; sealed at rest.
	Personal json.RawMessage
	// Public is the non-personal rest (type, network, issuer, metadata, …)
	// as a JSON object.
	Public json.RawMessage
	// ConnectorTokens are the providers' own tokens for the card; sealed at rest.
	ConnectorTokens []ConnectorToken
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// ConnectorToken is a payment provider's token for a saved card.
type ConnectorToken struct {
	// ConnectorID names the operator-configured connector that made it, or
	// "" for a token the merchant supplied.
	ConnectorID string `json:"connector_id,omitempty"`
	Token       string `json:"token"`
	// Type is single_use or multi_use.
	Type string `json:"type,omitempty"`
	// Reference is the reference sent to the provider, if any.
	Reference string `json:"reference,omitempty"`
	// Status is active or inactive.
	Status    string    `json:"status,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxConnectorTokenLen caps a provider token and its reference.
const MaxConnectorTokenLen = 512

// PaymentMethodInput is a card to save for a customer.
type PaymentMethodInput struct {
	Profile    string
	CustomerID string
	// Card is the card; PAN, Expiry, Holder and SecurityCode are used
	// (the security code is held apart with the usual expiry).
	Card     vault.CardInput
	Personal json.RawMessage
	Public   json.RawMessage
}

// PaymentMethodUpdate lists the changes to a payment method; nil fields and
// a zero SecurityCode leave things as they are. The card number cannot change.
type PaymentMethodUpdate struct {
	Holder *string
	Expiry *card.Expiry
	// SecurityCode, when set, replaces the held security code.
	SecurityCode card.SecurityCode
	// Change, when set, edits Personal, Public and ConnectorTokens of the
	// payment method it is given (other fields are ignored). It runs inside
	// a store transaction, possibly more than once, so it must only edit
	// its argument.
	Change func(*PaymentMethod) error
}

// paymentMethodData is a payment method record's value. The record's
// parent is the customer's id, its key "customer id/card fingerprint".
type paymentMethodData struct {
	Profile     string           `json:"profile"`
	CustomerID  string           `json:"customer_id"`
	CardID      string           `json:"card_id"`
	Fingerprint string           `json:"fingerprint"`
	Personal    json.RawMessage  `json:"personal"`
	Tokens      []ConnectorToken `json:"tokens"`
	Public      json.RawMessage  `json:"public,omitempty"`
}

// paymentMethodRecords are the payment methods.
var paymentMethodRecords = vault.NewRecordType(vault.KindPaymentMethod, 1,
	func(d *paymentMethodData) string { return paymentMethodKey(d.CustomerID, d.Fingerprint) },
	func(d *paymentMethodData) string { return d.CustomerID })

// paymentMethodKey is the unique key of a card saved for a customer.
func paymentMethodKey(customerID, fingerprint string) string { return customerID + "/" + fingerprint }
