package vault

import (
	"encoding/json"
	"regexp"
	"time"
)

// Record kinds of customers and the payment methods saved for them.
//
// A customer is a customer record whose Parent is its profile (so "every
// customer of a profile" is one group) and whose Key, when the merchant gave
// its own reference, is "profile/reference" (unique per tenant, so a
// reference is unique per profile). A payment method is a payment_method
// record whose Parent is its customer's id and whose Key is
// "customer id/card fingerprint", so one card is saved at most once per
// customer and is found again without decrypting any card.
const (
	KindCustomer      = "customer"
	KindPaymentMethod = "payment_method"
)

// Field names bound into the ciphertexts of customers and payment methods.
const (
	fieldCustomerPersonal = "customer_personal"
	fieldPMPersonal       = "payment_method_personal"
	fieldPMTokens         = "connector_tokens"
)

// Limits on customers and payment methods.
const (
	// MaxProfileLen is the longest profile id.
	MaxProfileLen = 64
	// MaxCustomerReferenceLen is the longest merchant reference of a customer.
	MaxCustomerReferenceLen = 64
	// MaxPersonalSize caps the sealed personal data of one object.
	MaxPersonalSize = 16 << 10
	// MaxPublicSize caps the clear, non-personal data of one object.
	MaxPublicSize = 32 << 10
	// MaxConnectorTokens caps the provider tokens kept per payment method.
	MaxConnectorTokens = 20
)

// idCell starts every customer and payment-method id, as the cell id starts
// Hyperswitch's global ids (12345_cus_…): "<cell>_<kind>_<32 hex digits>".
const idCell = "vault"

// profilePattern is what a profile id may look like; "/" never occurs, so
// "profile/reference" keys split one way only.
var profilePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// referencePattern is what a merchant's customer reference may look like:
// an identifier, never free text such as an e-mail address, because it is
// kept in the clear.
var referencePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidProfile reports whether id can name a profile: 1 to 64 letters,
// digits, '_' or '-'.
func ValidProfile(id string) bool { return profilePattern.MatchString(id) }

// ValidCustomerReference reports whether ref can be a customer's merchant
// reference: 1 to 64 letters, digits, '_' or '-'.
func ValidCustomerReference(ref string) bool { return referencePattern.MatchString(ref) }

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
	// object, kept in the clear.
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

// customerData is what a customer record's Data holds.
type customerData struct {
	Profile   string `json:"profile"`
	Reference string `json:"reference,omitempty"`
	// Personal is sealed under the tenant, the record id and fieldCustomerPersonal.
	Personal             []byte          `json:"personal"`
	Public               json.RawMessage `json:"public,omitempty"`
	DefaultPaymentMethod string          `json:"default_payment_method,omitempty"`
}
