package forward

import (
	"slices"
	"strconv"
	"strings"
)

// Field is the card value a placeholder stands for.
type Field int

// The card fields a placeholder can name.
const (
	// FieldNumber: the full card number, digits only.
	FieldNumber Field = iota + 1
	// FieldHolder: the cardholder name ("" when the card has none).
	FieldHolder
	// FieldExpiry: the expiry as MM/YY.
	FieldExpiry
	// FieldExpMonth: the month without zero padding, 1..12 (numeric).
	FieldExpMonth
	// FieldExpMonth2: the month as two digits, 01..12 (numeric).
	FieldExpMonth2
	// FieldExpYear2: the year as two digits, 00..99 (numeric).
	FieldExpYear2
	// FieldExpYear4: the year as four digits (numeric).
	FieldExpYear4
	// FieldSecurityCode: the held security code; rendering fails when none is held.
	FieldSecurityCode
)

// String returns a stable, data-free name for the field.
func (f Field) String() string {
	switch f {
	case FieldNumber:
		return "number"
	case FieldHolder:
		return "holder_name"
	case FieldExpiry:
		return "expiry"
	case FieldExpMonth:
		return "exp_month"
	case FieldExpMonth2:
		return "exp_month_2"
	case FieldExpYear2:
		return "exp_year_2"
	case FieldExpYear4:
		return "exp_year_4"
	case FieldSecurityCode:
		return "security_code"
	}
	return "unknown"
}

// Ref is what a placeholder name refers to: one field of one card.
type Ref struct {
	Field Field
	// Card is the 0-based index of the card in the list the facade was
	// given (Gr4vy's X minus one; always 0 for single-card syntaxes).
	Card int
}

// Syntax maps a placeholder name to the card field it stands for; ok is
// false for a name the syntax does not know. Names are case-sensitive.
type Syntax func(name string) (ref Ref, ok bool)

// MaxCardIndex is the highest card number X that Gr4vy accepts in a
// placeholder name (CARD_NUMBER_1 .. CARD_NUMBER_999).
const MaxCardIndex = 999

// gr4vyFields maps Gr4vy's name prefixes (before "_X") to fields.
var gr4vyFields = map[string]Field{
	"CARD_NUMBER":               FieldNumber,
	"CARD_HOLDER_NAME":          FieldHolder,
	"CARD_EXPIRATION_DATE":      FieldExpiry,
	"CARD_EXPIRATION_DATE_M":    FieldExpMonth,
	"CARD_EXPIRATION_DATE_MM":   FieldExpMonth2,
	"CARD_EXPIRATION_DATE_YY":   FieldExpYear2,
	"CARD_EXPIRATION_DATE_YYYY": FieldExpYear4,
	"CARD_SECURITY_CODE":        FieldSecurityCode,
}

// Gr4vy is Gr4vy's Vault Forward syntax: CARD_NUMBER_X,
// CARD_EXPIRATION_DATE_X (MM/YY), CARD_EXPIRATION_DATE_M_X (1..12),
// CARD_EXPIRATION_DATE_MM_X (01..12), CARD_EXPIRATION_DATE_YY_X,
// CARD_EXPIRATION_DATE_YYYY_X, CARD_HOLDER_NAME_X and CARD_SECURITY_CODE_X,
// where X is the card's 1-based position in x-vault-forward-payment-methods
// (1..MaxCardIndex, no leading zero). Upper case only.
func Gr4vy(name string) (Ref, bool) {
	i := strings.LastIndexByte(name, '_')
	if i < 0 {
		return Ref{}, false
	}
	f, ok := gr4vyFields[name[:i]]
	if !ok {
		return Ref{}, false
	}
	x := name[i+1:]
	if x == "" || len(x) > 3 || x[0] == '0' {
		return Ref{}, false
	}
	n, err := strconv.Atoi(x)
	if err != nil || n < 1 {
		return Ref{}, false
	}
	return Ref{Field: f, Card: n - 1}, true
}

// guardianFields maps Guardian's names to fields; both the EAP
// (expiration_*) and the 1.0 (expiry_*) spellings are accepted.
var guardianFields = map[string]Field{
	"account_number":   FieldNumber,
	"cardholder_name":  FieldHolder,
	"expiration_month": FieldExpMonth2,
	"expiration_year":  FieldExpYear4,
	"expiry_month":     FieldExpMonth2,
	"expiry_year":      FieldExpYear4,
	"security_code":    FieldSecurityCode,
}

// Guardian is Hellgate Guardian's forward syntax, for one card:
// account_number, cardholder_name, expiration_month / expiry_month (two
// digits), expiration_year / expiry_year (four digits) and security_code.
// Lower case only.
func Guardian(name string) (Ref, bool) {
	f, ok := guardianFields[name]
	return Ref{Field: f}, ok
}

// Either returns a Syntax that tries each syntax in turn, for templates
// that may be written in any of them (such as operator-configured
// connector templates).
func Either(syntaxes ...Syntax) Syntax {
	return func(name string) (Ref, bool) {
		for _, s := range syntaxes {
			if r, ok := s(name); ok {
				return r, true
			}
		}
		return Ref{}, false
	}
}

// Needs is what rendering a template will read, known before any card is
// fetched.
type Needs struct {
	// Cards is one more than the highest card index a placeholder names,
	// or 0 when the template has no placeholder.
	Cards int
	// SecurityCode lists, ascending and without repeats, the 0-based card
	// indices whose security code a placeholder names.
	SecurityCode []int
}

// Check resolves every placeholder of t under syntax and checks that it
// names one of the cards given (0-based indices below cards). It returns a
// *TemplateError for the first unknown name or out-of-range card, and
// otherwise what rendering will need, so a facade can refuse a bad request
// before fetching anything.
func (t *Template) Check(syntax Syntax, cards int) (Needs, error) {
	var n Needs
	for _, s := range t.segs {
		if s.ph == nil {
			continue
		}
		ref, ok := syntax(s.ph.name)
		if !ok {
			return Needs{}, &TemplateError{Name: s.ph.name, Offset: s.ph.offset, Reason: "unknown placeholder"}
		}
		if ref.Card >= cards {
			return Needs{}, &TemplateError{Name: s.ph.name, Offset: s.ph.offset, Reason: beyondReason(ref.Card, cards)}
		}
		n.Cards = max(n.Cards, ref.Card+1)
		if ref.Field == FieldSecurityCode && !slices.Contains(n.SecurityCode, ref.Card) {
			n.SecurityCode = append(n.SecurityCode, ref.Card)
		}
	}
	slices.Sort(n.SecurityCode)
	return n, nil
}

func beyondReason(card, cards int) string {
	return "refers to card " + strconv.Itoa(card+1) + " but " + strconv.Itoa(cards) + plural(cards, " card was", " cards were") + " given"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
