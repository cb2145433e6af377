package pcivault

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/cardvault/cardvault/internal/card"
)

// pvNumberFields are the fields a token is derived from, in PCI Vault's
// order of precedence. The first three hold card numbers (Luhn-checked);
// account_number holds a bank account number (ACH forms), which has no
// check digit.
var pvNumberFields = []string{"number", "card_number", "n", "account_number"}

// pvNumber is a normalised number found in stored data. It is cardholder
// data: it never reaches a log, an error or a response.
type pvNumber struct {
	field string
	// kind separates card numbers from account numbers in the token hash.
	kind string
	// value is the normalised number: digits only, or upper-case letters
	// and digits for account numbers. Empty when the field was null or "".
	value string
}

// pvNumbers finds every number field of an object, normalised and
// validated. A top-level key is a number field when it equals one of
// pvNumberFields ignoring case ("Number", "CARD_NUMBER"): a consumer that
// matches JSON keys case-insensitively (encoding/json does) reads it as
// one, so the token, the Luhn check and the immutability of a locked-down
// entry must see it too. Two spellings of one field that hold different
// numbers (an empty one included) are invalid. A field that is null or ""
// is returned with an empty value; a card number that fails Luhn, or a
// value of another JSON type, is invalid.
func pvNumbers(members []pvMember) ([]pvNumber, error) {
	var out []pvNumber
	for _, f := range pvNumberFields {
		first := len(out)
		for _, m := range members {
			if !strings.EqualFold(m.Key, f) {
				continue
			}
			s, err := pvNumberText(m.Key, m.Value)
			if err != nil {
				return nil, err
			}
			n, err := pvParseNumber(m.Key, s)
			if err != nil {
				return nil, err
			}
			if len(out) > first && (n.kind != out[first].kind || n.value != out[first].value) {
				return nil, vault.Invalid(m.Key, "%s and %s hold different numbers", out[first].field, m.Key)
			}
			out = append(out, n)
		}
	}
	return out, nil
}

// pvIsAccountField reports whether a number field holds a bank account
// number rather than a card number.
func pvIsAccountField(field string) bool { return strings.EqualFold(field, "account_number") }

// pvNumberText returns a number field's text: a JSON string's content or a
// JSON number's literal; "" for null.
func pvNumberText(field string, v json.RawMessage) (string, error) {
	switch {
	case len(v) == 0 || string(v) == "null":
		return "", nil
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", vault.Invalid(field, "%s must be a string", field)
		}
		return s, nil
	case v[0] == '-' || ('0' <= v[0] && v[0] <= '9'):
		return string(v), nil
	}
	return "", vault.Invalid(field, "%s must be a string", field)
}

// pvParseNumber normalises one number given in field (a number field name
// in any case); "" stays "".
func pvParseNumber(field, s string) (pvNumber, error) {
	if strings.TrimSpace(s) == "" {
		return pvNumber{field: field}, nil
	}
	if pvIsAccountField(field) {
		v, ok := pvAccountNumber(s)
		if !ok {
			return pvNumber{}, vault.Invalid(field, "%s must be 4 to 34 letters or digits (spaces and dashes allowed)", field)
		}
		return pvNumber{field: field, kind: "account", value: v}, nil
	}
	pan, err := card.ParsePAN(s)
	if err != nil {
		return pvNumber{}, vault.Invalid(field, "%s: %s", field, err.Error())
	}
	return pvNumber{field: field, kind: "pan", value: pan.Digits()}, nil
}

// pvAccountNumber normalises a bank account number: spaces and dashes go,
// letters become upper case; 4 to 34 letters or digits remain (the longest
// IBAN has 34).
func pvAccountNumber(s string) (string, bool) {
	var b strings.Builder
	for i := range len(s) {
		switch c := s[i]; {
		case c == ' ' || c == '-':
		case '0' <= c && c <= '9', 'A' <= c && c <= 'Z':
			b.WriteByte(c)
		case 'a' <= c && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		default:
			return "", false
		}
		if b.Len() > 34 {
			return "", false
		}
	}
	return b.String(), b.Len() >= 4
}

// pvPickNumber returns the number a new entry's token is derived from: the
// first non-empty number field. Every non-empty number field must hold the
// same number; ok is false when there is none.
func pvPickNumber(ns []pvNumber) (pvNumber, bool, error) {
	var first pvNumber
	for _, n := range ns {
		switch {
		case n.value == "":
		case first.value == "":
			first = n
		case n.kind != first.kind || n.value != first.value:
			return pvNumber{}, false, vault.Invalid(n.field, "%s and %s hold different numbers", first.field, n.field)
		}
	}
	return first, first.value != "", nil
}

// pvTokenFor derives the deterministic token of a number under a user: the
// tenant's keyed hash, separated by user and by number kind, so the same
// card under two users (or two tenants) has unrelated tokens, and the same
// card written with or without spaces and dashes has the same token.
func (p *Service) pvTokenFor(ctx context.Context, tenant, user string, n pvNumber) (string, error) {
	return p.pvSum(ctx, tenant, "pcivault-token:"+user, n.kind+":"+n.value)
}

// pvValidToken reports whether s looks like a token this vault issues: 64
// lowercase hexadecimal characters.
func pvValidToken(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
