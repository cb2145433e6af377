package guardian

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// cardFields is a card as Guardian names its parts: the pan source of a
// token or a metadata inquiry, and the payload the browser SDK encrypts.
type cardFields struct {
	AccountNumber  json.RawMessage `json:"account_number"`
	ExpiryMonth    json.RawMessage `json:"expiry_month"`
	ExpiryYear     json.RawMessage `json:"expiry_year"`
	CardholderName json.RawMessage `json:"cardholder_name"`
	SecurityCode   json.RawMessage `json:"security_code"`
}

// parsePAN reads account_number.
func (f cardFields) parsePAN(prefix string) (card.PAN, error) {
	s, ok, err := parseString(f.AccountNumber, prefix+"account_number")
	if err != nil {
		return card.PAN{}, err
	}
	if !ok || s == "" {
		return card.PAN{}, badRequest(prefix+"account_number", "%saccount_number is required", prefix)
	}
	pan, err := card.ParsePAN(s)
	if err != nil {
		return card.PAN{}, badRequest(prefix+"account_number", "%saccount_number: %s", prefix, reason(err))
	}
	return pan, nil
}

// input validates every field into a card to store. The expiry must be
// given; whether it is in the past is the vault's rule.
func (f cardFields) input(prefix string) (vault.CardInput, error) {
	pan, err := f.parsePAN(prefix)
	if err != nil {
		return vault.CardInput{}, err
	}
	in := vault.CardInput{PAN: pan}
	month, hasMonth, err := parseInt(f.ExpiryMonth, prefix+"expiry_month", 1, 12)
	if err != nil {
		return vault.CardInput{}, err
	}
	year, hasYear, err := parseInt(f.ExpiryYear, prefix+"expiry_year", 0, 2099)
	if err != nil {
		return vault.CardInput{}, err
	}
	if !hasMonth || !hasYear {
		return vault.CardInput{}, badRequest(prefix+"expiry_month", "%sexpiry_month and %sexpiry_year are required", prefix, prefix)
	}
	if in.Expiry, err = card.NewExpiry(month, year); err != nil {
		return vault.CardInput{}, badRequest(prefix+"expiry_year", "%sexpiry_year: %s", prefix, reason(err))
	}
	holder, _, err := parseString(f.CardholderName, prefix+"cardholder_name")
	if err != nil {
		return vault.CardInput{}, err
	}
	if in.Holder, err = card.ParseHolder(holder); err != nil {
		return vault.CardInput{}, badRequest(prefix+"cardholder_name", "%scardholder_name: %s", prefix, reason(err))
	}
	if in.SecurityCode, err = parseSecurityCode(f.SecurityCode, prefix, pan.Scheme()); err != nil {
		return vault.CardInput{}, err
	}
	return in, nil
}

// parseSecurityCode reads an optional security_code for a card of scheme.
func parseSecurityCode(raw json.RawMessage, prefix string, scheme card.Scheme) (card.SecurityCode, error) {
	s, ok, err := parseString(raw, prefix+"security_code")
	if err != nil || !ok {
		return card.SecurityCode{}, err
	}
	code, err := card.ParseSecurityCode(s, scheme)
	if err != nil {
		return card.SecurityCode{}, badRequest(prefix+"security_code", "%ssecurity_code: %s", prefix, reason(err))
	}
	return code, nil
}

// reason is the rule a card value broke, without the card package's field name.
func reason(err error) string {
	if ie, ok := err.(*card.InvalidError); ok {
		return ie.Reason
	}
	return "is not valid"
}

// scheme names a card scheme in Guardian's enum (see enumScheme).
func scheme(s card.Scheme) string { return enumScheme(string(s)) }

// guardianSchemes is the document's scheme enum.
var guardianSchemes = []string{"visa", "mastercard", "american express", "discover", "diners club", "jcb", "unionpay"}

// enumScheme keeps a scheme name (the card package's, or a BIN table's)
// inside Guardian's enum, which has no "other": Maestro is a Mastercard
// brand; every scheme outside the enum (a number in no known range, or a
// BIN table naming e.g. "rupay" or "elo") reads as "discover", the enum's
// network that carries the alliance schemes cardvault has no range for.
// docs/compat/guardian.md documents the choice.
func enumScheme(s string) string {
	switch {
	case s == string(card.Maestro):
		return string(card.Mastercard)
	case slices.Contains(guardianSchemes, s):
		return s
	}
	return string(card.Discover)
}

// tokenCard is the card object of a token.
type tokenCard struct {
	CardholderName string `json:"cardholder_name,omitempty"`
	ExpiryMonth    int    `json:"expiry_month"`
	ExpiryYear     int    `json:"expiry_year"`
	Masked         string `json:"masked_account_number"`
	Scheme         string `json:"scheme"`
}

// tokenResponse is a PCI token: masked, never a full number or a code.
type tokenResponse struct {
	ID        string            `json:"id"`
	Card      tokenCard         `json:"card"`
	CreatedAt time.Time         `json:"created_at"`
	ExpiresAt *time.Time        `json:"expires_at,omitempty"`
	Metadata  map[string]string `json:"metadata"`
}

// tokenView renders a stored card as a token.
func tokenView(c vault.CardView) tokenResponse {
	out := tokenResponse{ID: c.ID, CreatedAt: c.CreatedAt, Metadata: c.Metadata,
		Card: tokenCard{CardholderName: c.Holder, ExpiryMonth: c.Expiry.Month, ExpiryYear: c.Expiry.Year,
			Masked: c.Masked, Scheme: scheme(c.Scheme)}}
	if !c.ExpiresAt.IsZero() {
		out.ExpiresAt = &c.ExpiresAt
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out
}
