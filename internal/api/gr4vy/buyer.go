package gr4vy

import (
	"encoding/json"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault/buyers"
)

// buyerBody is Gr4vy's Buyer.
type buyerBody struct {
	Type               string          `json:"type"`
	ID                 string          `json:"id"`
	ReconciliationID   string          `json:"reconciliation_id"`
	MerchantAccountID  string          `json:"merchant_account_id"`
	DisplayName        *string         `json:"display_name"`
	ExternalIdentifier *string         `json:"external_identifier"`
	BillingDetails     *billingDetails `json:"billing_details"`
	AccountNumber      *string         `json:"account_number"`
	CreatedAt          string          `json:"created_at"`
	UpdatedAt          string          `json:"updated_at"`
}

// buyerInput is Gr4vy's BuyerCreate and BuyerUpdate (the same fields).
type buyerInput struct {
	DisplayName        *string         `json:"display_name"`
	ExternalIdentifier *string         `json:"external_identifier"`
	BillingDetails     *billingDetails `json:"billing_details"`
	AccountNumber      *string         `json:"account_number"`
}

// buyerDetails is what the buyers domain seals for a buyer besides its
// external identifier.
type buyerDetails struct {
	DisplayName    *string         `json:"display_name,omitempty"`
	BillingDetails *billingDetails `json:"billing_details,omitempty"`
	AccountNumber  *string         `json:"account_number,omitempty"`
}

// billingDetails is Gr4vy's BillingDetails.
type billingDetails struct {
	contact
	TaxID *taxID `json:"tax_id"`
}

// contact are the fields BillingDetails and ShippingDetails share.
type contact struct {
	FirstName    *string  `json:"first_name"`
	LastName     *string  `json:"last_name"`
	EmailAddress *string  `json:"email_address"`
	PhoneNumber  *string  `json:"phone_number"`
	Address      *address `json:"address"`
}

// address is Gr4vy's Address.
type address struct {
	City              *string `json:"city"`
	Country           *string `json:"country"`
	PostalCode        *string `json:"postal_code"`
	State             *string `json:"state"`
	StateCode         *string `json:"state_code"`
	HouseNumberOrName *string `json:"house_number_or_name"`
	Line1             *string `json:"line1"`
	Line2             *string `json:"line2"`
	Organization      *string `json:"organization"`
}

// taxID is Gr4vy's TaxId.
type taxID struct {
	Value *string `json:"value"`
	Kind  *string `json:"kind"`
}

var (
	e164      = regexp.MustCompile(`^\+[1-9]\d{1,14}$`)
	country   = regexp.MustCompile(`^[A-Z]{2}$`)
	stateCode = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)
)

// taxIDKinds is Gr4vy's TaxIdKind enum.
var taxIDKinds = strings.Fields(`ae.trn au.abn ar.dni ar.cuil ar.cuit br.cnpj br.cpf ca.bn ca.gst_hst ca.pst_bc
	ca.pst_mb ca.pst_sk ca.qst ch.vat cl.tin co.itin co.nit co.cc co.ce co.de co.rc co.ti co.passport es.cif eu.vat
	gb.vat hk.br id.nik id.npwp in.gst in.pan jp.cn jp.rn kr.brn li.uid mx.curp mx.rfc my.frp my.itn my.nric my.sst
	no.vat nz.gst pe.ruc ph.tin ru.inn ru.kpp sa.vat sg.gst sg.uen th.id th.vat tw.vat us.ein za.vat bo.ci uy.rut uy.ci`)

// text checks an optional string's length in characters; the message
// names the field, never the value.
func text(field string, s *string, maxLen int) error {
	if s == nil {
		return nil
	}
	if n := utf8.RuneCountInString(*s); n < 1 || n > maxLen {
		return invalid(inBody, field, "%s must be 1 to %d characters", field, maxLen)
	}
	return nil
}

// pattern checks an optional string against re.
func pattern(field string, s *string, re *regexp.Regexp, want string) error {
	if s != nil && !re.MatchString(*s) {
		return invalid(inBody, field, "%s must be %s", field, want)
	}
	return nil
}

// validate checks contact details against the spec; prefix names where
// they are ("billing_details.", "").
func (c *contact) validate(prefix string) error {
	checks := []error{
		text(prefix+"first_name", c.FirstName, 255), text(prefix+"last_name", c.LastName, 255),
		text(prefix+"email_address", c.EmailAddress, 320),
		pattern(prefix+"phone_number", c.PhoneNumber, e164, "an E.164 phone number such as +14155552671"),
	}
	if a := c.Address; a != nil {
		p := prefix + "address."
		checks = append(checks, text(p+"city", a.City, 100), pattern(p+"country", a.Country, country, "an ISO 3166 alpha-2 code"),
			text(p+"postal_code", a.PostalCode, 50), text(p+"state", a.State, 255),
			pattern(p+"state_code", a.StateCode, stateCode, "an ISO 3166-2 code such as US-CA"),
			text(p+"house_number_or_name", a.HouseNumberOrName, 255), text(p+"line1", a.Line1, 255),
			text(p+"line2", a.Line2, 255), text(p+"organization", a.Organization, 255))
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// validate checks billing details against the spec.
func (b *billingDetails) validate() error {
	if b == nil {
		return nil
	}
	if err := b.contact.validate("billing_details."); err != nil {
		return err
	}
	if t := b.TaxID; t != nil {
		if t.Value == nil || t.Kind == nil {
			return invalid(inBody, "billing_details.tax_id", "billing_details.tax_id needs value and kind")
		}
		if err := text("billing_details.tax_id.value", t.Value, 50); err != nil {
			return err
		}
		if !slices.Contains(taxIDKinds, *t.Kind) {
			return invalid(inBody, "billing_details.tax_id.kind", "billing_details.tax_id.kind is not a known tax id kind")
		}
	}
	return nil
}

// validate checks a buyer create or update, refusing an external
// identifier that looks like a card number (it is kept for lookups).
func (in *buyerInput) validate() error {
	if err := text("display_name", in.DisplayName, 200); err != nil {
		return err
	}
	if err := text("external_identifier", in.ExternalIdentifier, 200); err != nil {
		return err
	}
	if in.ExternalIdentifier != nil && containsPAN(*in.ExternalIdentifier) {
		return errIdentifierPAN
	}
	if err := text("account_number", in.AccountNumber, 200); err != nil {
		return err
	}
	return in.BillingDetails.validate()
}

// toBuyer renders a stored buyer as Gr4vy's Buyer.
func toBuyer(b buyers.Buyer) buyerBody {
	out := buyerBody{Type: "buyer", ID: b.ID, ReconciliationID: reconciliationID(b.ID), MerchantAccountID: b.Tenant,
		CreatedAt: formatTime(b.CreatedAt), UpdatedAt: formatTime(b.UpdatedAt)}
	var d buyerDetails
	_ = json.Unmarshal(b.Details, &d) // written by this facade; a failure leaves the fields null
	out.DisplayName, out.BillingDetails, out.AccountNumber = d.DisplayName, d.BillingDetails, d.AccountNumber
	if b.Reference != "" {
		ref := b.Reference
		out.ExternalIdentifier = &ref
	}
	return out
}

// reconciliationID is the buyer id in base62, as Gr4vy shortens it for
// payment services.
func reconciliationID(id string) string {
	u, err := uuid.Parse(id)
	if err != nil {
		return id
	}
	return new(big.Int).SetBytes(u[:]).Text(62)
}
