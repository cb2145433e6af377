package hyperswitch

import (
	"encoding/json"

	"github.com/cardvault/cardvault/internal/vault/customers"
)

// customerRequest is the body of POST /v2/customers (CustomerRequest) and,
// without merchant_reference_id, of PUT /v2/customers/{id}
// (CustomerUpdateRequest). Absent and null fields are the same.
type customerRequest struct {
	MerchantReferenceID    *string         `json:"merchant_reference_id"`
	Name                   *string         `json:"name"`
	Email                  *string         `json:"email"`
	Phone                  *string         `json:"phone"`
	PhoneCountryCode       *string         `json:"phone_country_code"`
	Description            *string         `json:"description"`
	DefaultBillingAddress  *address        `json:"default_billing_address"`
	DefaultShippingAddress *address        `json:"default_shipping_address"`
	Metadata               json.RawMessage `json:"metadata"`
	TaxRegistrationID      *string         `json:"tax_registration_id"`
	DocumentDetails        *document       `json:"document_details"`
	// DefaultPaymentMethodID is accepted by updates only.
	DefaultPaymentMethodID *string `json:"default_payment_method_id"`
}

// document is Hyperswitch's CustomerDocumentDetails.
type document struct {
	Type   string `json:"document_type"`
	Number string `json:"document_number"`
}

// personal is a customer's personal data, sealed at rest as one JSON object.
type personal struct {
	Name              *string   `json:"name,omitempty"`
	Email             *string   `json:"email,omitempty"`
	Phone             *string   `json:"phone,omitempty"`
	PhoneCountryCode  *string   `json:"phone_country_code,omitempty"`
	Billing           *address  `json:"default_billing_address,omitempty"`
	Shipping          *address  `json:"default_shipping_address,omitempty"`
	TaxRegistrationID *string   `json:"tax_registration_id,omitempty"`
	Document          *document `json:"document_details,omitempty"`
}

// public is a customer's non-personal data, kept in the clear.
type public struct {
	Description *string         `json:"description,omitempty"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
}

// check validates every field a request carries. Create requires name and
// email and takes no default payment method; an update cannot change the
// merchant reference.
func (q *customerRequest) check(create bool) error {
	switch {
	case create && q.Name == nil:
		return missing("name")
	case create && q.Email == nil:
		return missing("email")
	case create && q.DefaultPaymentMethodID != nil:
		return unsupported("default_payment_method_id can be set by an update once the payment method exists")
	case !create && q.MerchantReferenceID != nil:
		return unsupported("merchant_reference_id cannot be changed")
	}
	if q.MerchantReferenceID != nil && !customers.ValidCustomerReference(*q.MerchantReferenceID) {
		return badFormat("merchant_reference_id", "expected 1-64 characters, without control characters or a card number")
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"name", q.Name}, {"phone", q.Phone}, {"phone_country_code", q.PhoneCountryCode},
		{"description", q.Description}, {"tax_registration_id", q.TaxRegistrationID}} {
		if err := text(f.name, f.v, 255); err != nil {
			return err
		}
	}
	if err := email("email", q.Email); err != nil {
		return err
	}
	if err := q.DefaultBillingAddress.check("default_billing_address"); err != nil {
		return err
	}
	if err := q.DefaultShippingAddress.check("default_shipping_address"); err != nil {
		return err
	}
	if d := q.DocumentDetails; d != nil {
		switch {
		case d.Type != "cpf" && d.Type != "cnpj":
			return badValue("document_details.document_type")
		case d.Number == "":
			return missing("document_details.document_number")
		}
		if err := text("document_details.document_number", &d.Number, 255); err != nil {
			return err
		}
	}
	var err error
	q.Metadata, err = metadata("metadata", q.Metadata)
	return err
}

// apply merges the request's present fields into a customer's data.
func (q *customerRequest) apply(p *personal, pub *public) {
	set := func(dst **string, v *string) {
		if v != nil {
			*dst = v
		}
	}
	set(&p.Name, q.Name)
	set(&p.Email, q.Email)
	set(&p.Phone, q.Phone)
	set(&p.PhoneCountryCode, q.PhoneCountryCode)
	set(&p.TaxRegistrationID, q.TaxRegistrationID)
	set(&pub.Description, q.Description)
	if q.DefaultBillingAddress != nil {
		p.Billing = q.DefaultBillingAddress
	}
	if q.DefaultShippingAddress != nil {
		p.Shipping = q.DefaultShippingAddress
	}
	if q.DocumentDetails != nil {
		p.Document = q.DocumentDetails
	}
	if q.Metadata != nil {
		pub.Metadata = q.Metadata
	}
}

// customerResponse is Hyperswitch's CustomerResponse.
type customerResponse struct {
	ID                     string          `json:"id"`
	MerchantReferenceID    string          `json:"merchant_reference_id"`
	Name                   *string         `json:"name,omitempty"`
	Email                  *string         `json:"email,omitempty"`
	Phone                  *string         `json:"phone,omitempty"`
	PhoneCountryCode       *string         `json:"phone_country_code,omitempty"`
	Description            *string         `json:"description,omitempty"`
	DefaultBillingAddress  *address        `json:"default_billing_address,omitempty"`
	DefaultShippingAddress *address        `json:"default_shipping_address,omitempty"`
	CreatedAt              timestamp       `json:"created_at"`
	Metadata               json.RawMessage `json:"metadata,omitempty"`
	DefaultPaymentMethodID *string         `json:"default_payment_method_id,omitempty"`
	TaxRegistrationID      *string         `json:"tax_registration_id,omitempty"`
	DocumentDetails        *document       `json:"document_details,omitempty"`
}

// toCustomerResponse renders a customer. A customer created without a
// merchant reference answers with its own id there, which the document
// requires.
func toCustomerResponse(c customers.Customer) (customerResponse, error) {
	var p personal
	var pub public
	if err := json.Unmarshal(c.Personal, &p); err != nil {
		return customerResponse{}, err
	}
	if err := json.Unmarshal(c.Public, &pub); err != nil {
		return customerResponse{}, err
	}
	out := customerResponse{ID: c.ID, MerchantReferenceID: c.Reference, Name: p.Name, Email: p.Email, Phone: p.Phone,
		PhoneCountryCode: p.PhoneCountryCode, Description: pub.Description, DefaultBillingAddress: p.Billing,
		DefaultShippingAddress: p.Shipping, CreatedAt: timestamp(c.CreatedAt), Metadata: pub.Metadata,
		TaxRegistrationID: p.TaxRegistrationID, DocumentDetails: p.Document}
	if out.MerchantReferenceID == "" {
		out.MerchantReferenceID = c.ID
	}
	if c.DefaultPaymentMethod != "" {
		out.DefaultPaymentMethodID = &c.DefaultPaymentMethod
	}
	return out, nil
}

// customerDeleteResponse is Hyperswitch's CustomerDeleteResponse.
type customerDeleteResponse struct {
	ID                    string `json:"id"`
	MerchantReferenceID   string `json:"merchant_reference_id"`
	CustomerDeleted       bool   `json:"customer_deleted"`
	AddressDeleted        bool   `json:"address_deleted"`
	PaymentMethodsDeleted bool   `json:"payment_methods_deleted"`
}
