package pcivault

import (
	"encoding/json"
	"strings"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
)

// ProxySyntax names the placeholders of /proxy/post and /proxy/get: the
// field names PCI Vault's own card form stores (card_number, card_holder,
// cvv, expiry "MM/YY", expiry_month "MM", expiry_year "YYYY",
// expiry_year_short "YY"), plus number and n for the number. One card.
func ProxySyntax(name string) (forward.Ref, bool) {
	f, ok := proxyFields[name]
	return forward.Ref{Field: f}, ok
}

var proxyFields = map[string]forward.Field{
	"card_number": forward.FieldNumber, "number": forward.FieldNumber, "n": forward.FieldNumber,
	"card_holder": forward.FieldHolder, "cvv": forward.FieldSecurityCode,
	"expiry": forward.FieldExpiry, "expiry_month": forward.FieldExpMonth2,
	"expiry_year": forward.FieldExpYear4, "expiry_year_short": forward.FieldExpYear2,
}

// proxyCard reads the card out of a stored JSON object: the number from
// number, card_number or n (PCI Vault's order); the holder from
// card_holder; the expiry from card_expiry or expiry (any spelling
// card.ParseExpiry takes) or expiry_month with expiry_year; the security
// code from cvv. A field that is absent stays empty, and a placeholder
// that needs it fails to render. Errors never quote the data.
func proxyCard(data []byte) (forward.Card, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return forward.Card{}, vault.Invalid("token", "the stored data is not a JSON object")
	}
	text := func(names ...string) string {
		for _, n := range names {
			for k, v := range obj {
				if !strings.EqualFold(k, n) {
					continue
				}
				var s string
				if json.Unmarshal(v, &s) == nil && strings.TrimSpace(s) != "" {
					return s
				}
				if len(v) > 0 && v[0] >= '0' && v[0] <= '9' {
					return string(v)
				}
			}
		}
		return ""
	}
	var c forward.Card
	var err error
	if n := text("number", "card_number", "n"); n != "" {
		if c.PAN, err = card.ParsePAN(n); err != nil {
			return forward.Card{}, vault.Invalid("card_number", "the stored card number is not valid")
		}
	}
	c.Holder = text("card_holder")
	if e := text("card_expiry", "expiry"); e != "" {
		c.Expiry, _ = card.ParseExpiry(e)
	} else if m, y := text("expiry_month"), text("expiry_year"); m != "" && y != "" {
		c.Expiry, _ = card.ParseExpiry(m + "/" + y)
	}
	if cvv := text("cvv"); cvv != "" && !c.PAN.IsZero() {
		c.SecurityCode, _ = card.ParseSecurityCode(cvv, c.PAN.Scheme())
	}
	return c, nil
}
