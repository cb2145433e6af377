package gr4vy

import (
	"regexp"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// metaCardType is the card metadata key that keeps Gr4vy's card_type
// (credit, debit, prepaid): not sensitive, so kept in the clear.
const metaCardType = "gr4vy_card_type"

// paymentMethod is Gr4vy's PaymentMethod object for a stored card. Every
// field the spec requires is present; the ones cardvault has no value for
// (buyers, transactions, account updater) are null, zero or false.
type paymentMethod struct {
	Type                      string      `json:"type"`
	ID                        string      `json:"id"`
	MerchantAccountID         string      `json:"merchant_account_id"`
	Method                    string      `json:"method"`
	Mode                      string      `json:"mode"`
	Scheme                    string      `json:"scheme"`
	AdditionalSchemes         []string    `json:"additional_schemes"`
	Label                     string      `json:"label"`
	ExpirationDate            *string     `json:"expiration_date"`
	Fingerprint               string      `json:"fingerprint"`
	Details                   cardDetails `json:"details"`
	Country                   *string     `json:"country"`
	Currency                  *string     `json:"currency"`
	ApprovalURL               *string     `json:"approval_url"`
	Buyer                     *buyerBody  `json:"buyer"`
	ExternalIdentifier        *string     `json:"external_identifier"`
	Status                    string      `json:"status"`
	HasReplacement            bool        `json:"has_replacement"`
	LastReplacedAt            *string     `json:"last_replaced_at"`
	UsageCount                int         `json:"usage_count"`
	LastUsedAt                *string     `json:"last_used_at"`
	CITUsageCount             int         `json:"cit_usage_count"`
	CITLastUsedAt             *string     `json:"cit_last_used_at"`
	SchemeTransactionID       *string     `json:"scheme_transaction_id"`
	SchemeTransactionIDScheme *string     `json:"scheme_transaction_id_scheme"`
	TransactionLinkID         *string     `json:"transaction_link_id"`
	CreatedAt                 string      `json:"created_at"`
	UpdatedAt                 string      `json:"updated_at"`
}

// cardDetails is Gr4vy's PaymentMethodDetailsCard.
type cardDetails struct {
	BIN            string  `json:"bin"`
	CardType       *string `json:"card_type"`
	CardIssuerName *string `json:"card_issuer_name"`
}

// timeLayout is how Gr4vy writes timestamps (RFC 3339, milliseconds).
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// toPaymentMethod renders a masked card as a Gr4vy payment method.
func toPaymentMethod(c vault.CardView) paymentMethod {
	pm := paymentMethod{Type: "payment-method", ID: c.ID, MerchantAccountID: c.Tenant, Method: "card", Mode: "card",
		Scheme: schemeName(c.Scheme), Label: c.Last4, Fingerprint: c.Fingerprint, Details: cardDetails{BIN: c.BIN},
		Status: "succeeded", CreatedAt: formatTime(c.CreatedAt), UpdatedAt: formatTime(c.UpdatedAt)}
	if c.Expiry != (card.Expiry{}) {
		exp := c.Expiry.MMYY()
		pm.ExpirationDate = &exp
	}
	if c.Reference != "" {
		ref := c.Reference
		pm.ExternalIdentifier = &ref
	}
	if t, ok := c.Metadata[metaCardType]; ok && cardTypes[t] {
		pm.Details.CardType = &t
	}
	return pm
}

// schemeName maps the vault's schemes to Gr4vy's CardScheme enum.
func schemeName(s card.Scheme) string {
	switch s {
	case card.Visa, card.Mastercard, card.Discover, card.JCB, card.UnionPay, card.Maestro:
		return string(s)
	case card.Amex:
		return "amex"
	case card.DinersClub:
		return "diners-club"
	}
	return "other"
}

// cardTypes is Gr4vy's CardType enum.
var cardTypes = map[string]bool{"credit": true, "debit": true, "prepaid": true}

// createRequest is Gr4vy's CardPaymentMethodCreate (plus the legacy
// redirect_url, accepted and ignored). Nullable fields are pointers.
type createRequest struct {
	Method                  *string `json:"method"`
	Number                  *string `json:"number"`
	ExpirationDate          *string `json:"expiration_date"`
	SecurityCode            *string `json:"security_code"`
	ExternalIdentifier      *string `json:"external_identifier"`
	BuyerID                 *string `json:"buyer_id"`
	BuyerExternalIdentifier *string `json:"buyer_external_identifier"`
	CardType                *string `json:"card_type"`
	RedirectURL             *string `json:"redirect_url"`
}

// mmyy is the only expiry spelling Gr4vy's create accepts.
var mmyy = regexp.MustCompile(`^\d{2}/\d{2}$`)

// maxExternalIdentifier is the spec's limit on external_identifier.
const maxExternalIdentifier = 200

// parseCreate turns a create request into a card to store, checking every
// field against the spec. Messages never repeat the values.
func parseCreate(req createRequest) (vault.CardInput, error) {
	var in vault.CardInput
	switch {
	case req.Number == nil:
		return in, invalid(inBody, "number", "number is required")
	case req.ExpirationDate == nil:
		return in, invalid(inBody, "expiration_date", "expiration_date is required")
	}
	pan, err := card.ParsePAN(*req.Number)
	if err != nil {
		return in, invalid(inBody, "number", "%s", err.Error())
	}
	in.PAN = pan
	if !mmyy.MatchString(*req.ExpirationDate) {
		return in, invalid(inBody, "expiration_date", "expiration_date must be formatted MM/YY")
	}
	if in.Expiry, err = card.ParseExpiry(*req.ExpirationDate); err != nil {
		return in, invalid(inBody, "expiration_date", "%s", err.Error())
	}
	if req.SecurityCode != nil {
		if in.SecurityCode, err = card.ParseSecurityCode(*req.SecurityCode, pan.Scheme()); err != nil {
			return in, invalid(inBody, "security_code", "%s", err.Error())
		}
	}
	if in.Reference, err = parseReference(req.ExternalIdentifier); err != nil {
		return in, err
	}
	if req.CardType != nil {
		if !cardTypes[*req.CardType] {
			return in, invalid(inBody, "card_type", "card_type must be credit, debit or prepaid")
		}
		in.Metadata = map[string]string{metaCardType: *req.CardType}
	}
	return in, nil
}

// formatTime writes t as Gr4vy does.
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// parseReference checks an optional external_identifier: 1 to 200
// characters, and nothing that looks like a card number.
func parseReference(ref *string) (string, error) {
	if ref == nil {
		return "", nil
	}
	if n := len([]rune(*ref)); n < 1 || n > maxExternalIdentifier {
		return "", invalid(inBody, "external_identifier", "external_identifier must be 1 to %d characters", maxExternalIdentifier)
	}
	if containsPAN(*ref) {
		return "", errIdentifierPAN
	}
	return *ref, nil
}
