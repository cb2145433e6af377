package customers

import (
	"encoding/json"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/objectid"
	"github.com/cardvault/cardvault/internal/vault"
)

// Limits on customers and payment methods.
const (
	// MaxProfileLen is the longest profile id.
	MaxProfileLen = 64
	// MaxCustomerReferenceLen is the longest merchant reference of a customer.
	MaxCustomerReferenceLen = 64
	// MaxPersonalSize caps the sealed personal data of one object.
	MaxPersonalSize = 16 << 10
	// MaxPublicSize caps the non-personal data of one object.
	MaxPublicSize = 32 << 10
	// MaxConnectorTokens caps the provider tokens kept per payment method.
	MaxConnectorTokens = 20
)

// idCell starts every customer and payment-method id, as the cell id starts
// Hyperswitch's global ids (12345_cus_…): "<cell>_<kind>_<32 hex digits>".
const idCell = "vault"

// ValidProfile reports whether id can name a profile: an objectid, so "/"
// never occurs and "profile/reference" keys split one way only.
func ValidProfile(id string) bool { return objectid.Valid(id) }

// ValidCustomerReference reports whether ref can be a customer's merchant
// reference: 1 to MaxCustomerReferenceLen characters of valid UTF-8, as
// Hyperswitch's document allows, except control characters (no store keeps
// a NUL) and text holding a card number (card.ContainsPAN): a reference is
// sealed with the customer, but it is an identifier a merchant logs and
// sends around, and a card number in it would be a card number in clear.
func ValidCustomerReference(ref string) bool {
	if ref == "" || !utf8.ValidString(ref) || utf8.RuneCountInString(ref) > MaxCustomerReferenceLen {
		return false
	}
	for _, r := range ref {
		if unicode.IsControl(r) {
			return false
		}
	}
	return !card.ContainsPAN(ref)
}

// Customer is a merchant's customer. It belongs to one profile of a tenant;
// readers of any other profile never see it. A profile is a namespace the
// caller chooses, not an access boundary: every key of the tenant may read
// any profile. The tenant is the boundary.
type Customer struct {
	ID      string
	Tenant  string
	Profile string
	// Reference is the merchant's own id for the customer, unique within
	// the profile, or "" when none was given.
	Reference string
	// Personal is the customer's personal data (name, e-mail, phone,
	// addresses, …) as a JSON object chosen by the facade. It is sealed at
	// rest and never interpreted by the vault.
	Personal json.RawMessage
	// Public is the non-personal rest (description, metadata, …) as a JSON
	// object; sealed with the rest of the record all the same.
	Public json.RawMessage
	// DefaultPaymentMethod is the id of the customer's default payment
	// method, or "".
	DefaultPaymentMethod string
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// CustomerInput is a customer to create.
type CustomerInput struct {
	Profile   string
	Reference string
	Personal  json.RawMessage
	Public    json.RawMessage
}

// customerData is a customer record's value. The record's parent is the
// profile; its key "profile/" and the keyed hash of the reference when the
// customer has one, so that the reference, which may be any text (an
// e-mail address), is never in the clear.
type customerData struct {
	Profile   string `json:"profile"`
	Reference string `json:"reference,omitempty"`
	// RefKey is the reference's keyed hash (the tenant's index key), the
	// clear half of the record's key; "" without a reference.
	RefKey               string          `json:"ref_key,omitempty"`
	Personal             json.RawMessage `json:"personal"`
	Public               json.RawMessage `json:"public,omitempty"`
	DefaultPaymentMethod string          `json:"default_payment_method,omitempty"`
}

// customerRecords are the customers.
var customerRecords = vault.NewRecordType(vault.KindCustomer, 2,
	func(d *customerData) string { return customerKey(d.Profile, d.RefKey) },
	func(d *customerData) string { return d.Profile })
