// Package transfer moves a tenant's cards out of and into a vault as
// age-encrypted JSON Lines (docs/export-format.md), streaming, so memory
// stays flat at any size, and keeping every card's id.
package transfer

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// Format and Version name the format in the header line.
const (
	Format = "cardvault-export"
	// Version 2 adds the lines of other objects (customers, payment
	// methods) and their count on the end line; version 1 files still import.
	Version = 2
)

// Header is the first line of an export.
type Header struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	Tenant    string    `json:"tenant"`
	CreatedAt time.Time `json:"created_at"`
}

// CardRow is one card. Number is the PAN in the clear (the file is
// encrypted); a security code is never exported.
type CardRow struct {
	Type      string            `json:"type"` // "card"
	ID        string            `json:"id"`
	Number    string            `json:"number"`
	ExpMonth  int               `json:"exp_month,omitempty"`
	ExpYear   int               `json:"exp_year,omitempty"`
	Holder    string            `json:"holder,omitempty"`
	Reference string            `json:"reference,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	Extra     map[string]string `json:"extra,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	ExpiresAt *time.Time        `json:"expires_at,omitempty"`
}

// End is the last line: its counts prove the export is complete.
type End struct {
	Type string `json:"type"` // "end"
	// Count is the number of card lines.
	Count int `json:"count"`
	// Objects is the number of other lines (customers, payment methods, …).
	Objects int `json:"objects"`
}

// row is any line after the header, decoded far enough to dispatch.
type row struct {
	Type string `json:"type"`
}

// errReason is a rejection safe to write to a rejects file: it never
// contains the card number.
type errReason string

func (e errReason) Error() string { return string(e) }

// ParseCardRow decodes and validates one card line: a UUID id, a valid
// number (Luhn, length), a valid expiry if given. Its errors never contain
// the number.
func ParseCardRow(line []byte) (CardRow, vault.CardInput, error) {
	var r CardRow
	if err := json.Unmarshal(line, &r); err != nil {
		return r, vault.CardInput{}, errReason("not a JSON object of the card shape")
	}
	if r.Type != "card" {
		return r, vault.CardInput{}, errReason(fmt.Sprintf("type %q is not card", r.Type))
	}
	if _, err := uuid.Parse(r.ID); err != nil {
		return r, vault.CardInput{}, errReason("id is not a UUID")
	}
	pan, err := card.ParsePAN(r.Number)
	if err != nil {
		return r, vault.CardInput{}, errReason("card number is not valid (length or check digit)")
	}
	in := vault.CardInput{PAN: pan, Holder: r.Holder, Reference: r.Reference, Metadata: r.Metadata, Extra: r.Extra}
	if r.ExpMonth != 0 || r.ExpYear != 0 {
		if in.Expiry, err = card.NewExpiry(r.ExpMonth, r.ExpYear); err != nil {
			return r, vault.CardInput{}, errReason("expiry is not a valid month and year")
		}
	}
	if r.ExpiresAt != nil {
		in.ExpiresAt = *r.ExpiresAt
	}
	return r, in, nil
}

// ErrTruncated means the export ended before its end line.
var ErrTruncated = errors.New("export is truncated: no end line")
