package card

import (
	"fmt"
	"log/slog"
	"strings"
)

// SecurityCode is a card security code (CVV2, CVC2, CID) that passed
// ParseSecurityCode: 3 or 4 ASCII digits. The zero SecurityCode holds no
// code.
//
// PCI DSS forbids storing it after authorisation, so it redacts itself
// completely: String, GoString, Format (every verb), LogValue, MarshalJSON
// and MarshalText all yield "***", whatever its length. Only Digits returns
// the code.
type SecurityCode struct {
	digits string
}

const securityCodeField = "security code"

// redactedCode is the one form a SecurityCode ever prints as.
const redactedCode = "***"

// ParseSecurityCode accepts a security code for scheme, ignoring surrounding
// whitespace: exactly 4 digits for Amex, 3 or 4 for Unknown (or an empty
// scheme), and exactly 3 for every other scheme. It returns an
// *InvalidError, whose text never contains s, otherwise.
func ParseSecurityCode(s string, scheme Scheme) (SecurityCode, error) {
	s = strings.TrimSpace(s)
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return SecurityCode{}, invalid(securityCodeField, "must contain only digits")
		}
	}
	switch {
	case scheme == Unknown || scheme == "":
		if len(s) != 3 && len(s) != 4 {
			return SecurityCode{}, invalid(securityCodeField, "must be 3 or 4 digits")
		}
	case scheme == Amex && len(s) != 4:
		return SecurityCode{}, invalid(securityCodeField, "must be 4 digits for american express")
	case scheme != Amex && len(s) != 3:
		return SecurityCode{}, invalid(securityCodeField, "must be 3 digits")
	}
	return SecurityCode{digits: s}, nil
}

// Digits returns the code in the clear. It is sensitive authentication data:
// never log or store it; pass it only to the code that holds it briefly for
// authorisation or forwards it.
func (c SecurityCode) Digits() string { return c.digits }

// IsZero reports whether c holds no code.
func (c SecurityCode) IsZero() bool { return c.digits == "" }

// String returns "***".
func (c SecurityCode) String() string { return redactedCode }

// GoString returns "***", so %#v never shows the code.
func (c SecurityCode) GoString() string { return redactedCode }

// Format writes "***" for every verb; %q quotes it and width and precision
// apply as they would to a string.
func (c SecurityCode) Format(f fmt.State, verb rune) { formatRedacted(f, verb, redactedCode) }

// LogValue returns "***", so slog never records the code.
func (c SecurityCode) LogValue() slog.Value { return slog.StringValue(redactedCode) }

// MarshalJSON returns the JSON string "***".
func (c SecurityCode) MarshalJSON() ([]byte, error) { return jsonString(redactedCode), nil }

// MarshalText returns "***".
func (c SecurityCode) MarshalText() ([]byte, error) { return []byte(redactedCode), nil }
