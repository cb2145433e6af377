package forward

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/cardvault/cardvault/internal/card"
)

// Card is the data of one stored card that a forward may inject. PAN and
// SecurityCode redact themselves when printed.
type Card struct {
	PAN card.PAN
	// Holder is the cardholder name, "" when none was stored.
	Holder string
	// Expiry is the expiry month; the zero Expiry means none was stored.
	Expiry card.Expiry
	// SecurityCode is the held security code; the zero value means none is
	// held, and a placeholder naming it fails to render.
	SecurityCode card.SecurityCode
}

// Values returns the Lookup that renders the real card values for names of
// syntax. cards[i] is the card with index i (Gr4vy's X = i+1). The Lookup
// returns a *TemplateError for an unknown name, an index beyond cards, a
// security code that is not held, or an expiry that was not stored.
func Values(syntax Syntax, cards []Card) Lookup {
	return func(name string) (Value, error) {
		c, f, err := resolve(syntax, cards, name)
		if err != nil {
			return Value{}, err
		}
		switch f {
		case FieldNumber:
			return Value{Text: c.PAN.Digits()}, nil
		case FieldHolder:
			return Value{Text: c.Holder}, nil
		case FieldExpiry:
			return Value{Text: c.Expiry.MMYY()}, nil
		case FieldExpMonth:
			return Value{Text: strconv.Itoa(c.Expiry.Month), Number: true}, nil
		case FieldExpMonth2:
			return Value{Text: c.Expiry.Month2(), Number: true}, nil
		case FieldExpYear2:
			return Value{Text: c.Expiry.Year2(), Number: true}, nil
		case FieldExpYear4:
			return Value{Text: c.Expiry.Year4(), Number: true}, nil
		case FieldSecurityCode:
			return Value{Text: c.SecurityCode.Digits()}, nil
		}
		return Value{}, &TemplateError{Name: name, Reason: "unknown placeholder"}
	}
}

// Masked returns the Lookup for a dry run: it fails exactly where Values
// would, but renders no card data. The number keeps its first six and last
// four digits (411111******1111), the holder name keeps the first letter of
// each word (J*** D**), the security code is "***", and expiry digits are
// zeros in the real format (00/00, 0, 00, 0000) so the rendered body has the
// same shape — numbers where numbers go — as the real one.
func Masked(syntax Syntax, cards []Card) Lookup {
	return func(name string) (Value, error) {
		c, f, err := resolve(syntax, cards, name)
		if err != nil {
			return Value{}, err
		}
		switch f {
		case FieldNumber:
			return Value{Text: c.PAN.Masked()}, nil
		case FieldHolder:
			return Value{Text: maskHolder(c.Holder)}, nil
		case FieldExpiry:
			return Value{Text: "00/00"}, nil
		case FieldExpMonth:
			return Value{Text: "0", Number: true}, nil
		case FieldExpMonth2, FieldExpYear2:
			return Value{Text: "00", Number: true}, nil
		case FieldExpYear4:
			return Value{Text: "0000", Number: true}, nil
		case FieldSecurityCode:
			return Value{Text: "***"}, nil
		}
		return Value{}, &TemplateError{Name: name, Reason: "unknown placeholder"}
	}
}

// resolve finds the card and field name refers to and checks that the
// value exists.
func resolve(syntax Syntax, cards []Card, name string) (Card, Field, error) {
	ref, ok := syntax(name)
	if !ok {
		return Card{}, 0, &TemplateError{Name: name, Reason: "unknown placeholder"}
	}
	if ref.Card < 0 || ref.Card >= len(cards) {
		return Card{}, 0, &TemplateError{Name: name, Reason: beyondReason(ref.Card, len(cards))}
	}
	c := cards[ref.Card]
	switch ref.Field {
	case FieldNumber:
		if c.PAN.IsZero() {
			return Card{}, 0, &TemplateError{Name: name, Reason: "card " + strconv.Itoa(ref.Card+1) + " has no number"}
		}
	case FieldSecurityCode:
		if c.SecurityCode.IsZero() {
			return Card{}, 0, &TemplateError{Name: name, Reason: "no security code is held for card " + strconv.Itoa(ref.Card+1)}
		}
	case FieldExpiry, FieldExpMonth, FieldExpMonth2, FieldExpYear2, FieldExpYear4:
		if c.Expiry.Month == 0 {
			return Card{}, 0, &TemplateError{Name: name, Reason: "card " + strconv.Itoa(ref.Card+1) + " has no expiry date"}
		}
	}
	return c, ref.Field, nil
}

// maskHolder keeps the first letter of each word and replaces the others
// with '*'.
func maskHolder(s string) string {
	var b strings.Builder
	first := true
	for _, r := range s {
		switch {
		case r == ' ':
			b.WriteByte(' ')
			first = true
		case first:
			b.WriteRune(r)
			first = false
		default:
			b.WriteByte('*')
		}
	}
	return b.String()
}

// String returns a description without card data: the masked number.
func (c Card) String() string { return "card " + c.PAN.Masked() }

// GoString returns String, so %#v shows no card data.
func (c Card) GoString() string { return c.String() }

// Format writes String for every verb, so a Card (or a slice of them) can
// never print its holder name, expiry or security code.
func (c Card) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// LogValue returns String.
func (c Card) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON returns String as a JSON string.
func (c Card) MarshalJSON() ([]byte, error) { return []byte(`"` + c.String() + `"`), nil }
