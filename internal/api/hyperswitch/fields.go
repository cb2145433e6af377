package hyperswitch

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// timestamp is a time written as Hyperswitch writes it: UTC, milliseconds.
type timestamp time.Time

// MarshalJSON writes 2024-02-24T11:04:09.922Z.
func (t timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

// text checks a free-text field: valid UTF-8, no control characters, at
// most max characters. Messages never quote the value.
func text(field string, s *string, max int) error {
	if s == nil {
		return nil
	}
	if !utf8.ValidString(*s) {
		return badFormat(field, "must be valid UTF-8")
	}
	if utf8.RuneCountInString(*s) > max {
		return badFormat(field, "must be at most "+strconv.Itoa(max)+" characters")
	}
	for _, r := range *s {
		if unicode.IsControl(r) {
			return badFormat(field, "must not contain control characters")
		}
	}
	return nil
}

// emailPattern is a deliberately plain check: one @, a dot in the domain,
// no spaces.
var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s.]+$`)

// email checks an e-mail address field.
func email(field string, s *string) error {
	if s == nil {
		return nil
	}
	if err := text(field, s, 255); err != nil {
		return err
	}
	if !emailPattern.MatchString(*s) {
		return badFormat(field, "expected an e-mail address")
	}
	return nil
}

// country checks a CountryAlpha2 field.
func country(field string, s *string) error {
	if s != nil && !countries[*s] {
		return badValue(field)
	}
	return nil
}

// Limits of metadata, as Hyperswitch documents them.
const (
	maxMetadataKeys     = 50
	maxMetadataKeyLen   = 40
	maxMetadataValueLen = 500
	maxMetadataSize     = 16 << 10
)

// metadata checks a metadata object: up to 50 keys of up to 40 characters,
// string values up to 500 characters. null and absent are the same.
func metadata(field string, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	if len(raw) > maxMetadataSize {
		return nil, badFormat(field, "must be at most "+strconv.Itoa(maxMetadataSize)+" bytes")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, badFormat(field, "expected a JSON object")
	}
	if len(m) > maxMetadataKeys {
		return nil, badFormat(field, "may have at most "+strconv.Itoa(maxMetadataKeys)+" keys")
	}
	for k, v := range m {
		if utf8.RuneCountInString(k) > maxMetadataKeyLen {
			return nil, badFormat(field, "keys must be at most "+strconv.Itoa(maxMetadataKeyLen)+" characters")
		}
		var s string
		if json.Unmarshal(v, &s) == nil && utf8.RuneCountInString(s) > maxMetadataValueLen {
			return nil, badFormat(field, "values must be at most "+strconv.Itoa(maxMetadataValueLen)+" characters")
		}
	}
	return raw, nil
}

// address is Hyperswitch's AddressDetails.
type address struct {
	City      *string `json:"city,omitempty"`
	Country   *string `json:"country,omitempty"`
	Line1     *string `json:"line1,omitempty"`
	Line2     *string `json:"line2,omitempty"`
	Line3     *string `json:"line3,omitempty"`
	Zip       *string `json:"zip,omitempty"`
	State     *string `json:"state,omitempty"`
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
	OriginZip *string `json:"origin_zip,omitempty"`
}

// check validates an address with the document's length limits.
func (a *address) check(field string) error {
	if a == nil {
		return nil
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"city", a.City, 50}, {"line1", a.Line1, 200}, {"line2", a.Line2, 50}, {"line3", a.Line3, 50},
		{"zip", a.Zip, 50}, {"state", a.State, 255}, {"first_name", a.FirstName, 255},
		{"last_name", a.LastName, 255}, {"origin_zip", a.OriginZip, 50}} {
		if err := text(field+"."+f.name, f.v, f.max); err != nil {
			return err
		}
	}
	return country(field+".country", a.Country)
}

// phone is Hyperswitch's PhoneDetails.
type phone struct {
	Number      *string `json:"number,omitempty"`
	CountryCode *string `json:"country_code,omitempty"`
}

// billing is Hyperswitch's Address: an address, a phone and an e-mail.
type billing struct {
	Address *address `json:"address,omitempty"`
	Phone   *phone   `json:"phone,omitempty"`
	Email   *string  `json:"email,omitempty"`
}

// check validates a billing block.
func (b *billing) check(field string) error {
	if b == nil {
		return nil
	}
	if err := b.Address.check(field + ".address"); err != nil {
		return err
	}
	if b.Phone != nil {
		if err := text(field+".phone.number", b.Phone.Number, 255); err != nil {
			return err
		}
		if err := text(field+".phone.country_code", b.Phone.CountryCode, 255); err != nil {
			return err
		}
	}
	return email(field+".email", b.Email)
}
