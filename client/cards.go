package client

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// CardInput is a card to store. Number is required; the expiry may be
// given as Expiry ("12/30", "2030-12", …) or as ExpMonth and ExpYear.
type CardInput struct {
	Number       string            `json:"number"`
	Expiry       string            `json:"expiry,omitempty"`
	ExpMonth     int               `json:"exp_month,omitempty"`
	ExpYear      int               `json:"exp_year,omitempty"`
	Holder       string            `json:"holder,omitempty"`
	SecurityCode string            `json:"security_code,omitempty"`
	Reference    string            `json:"reference,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	Extra        map[string]string `json:"extra,omitempty"`
	ExpiresAt    *time.Time        `json:"expires_at,omitempty"`
}

// String redacts the input, so that logging it never prints card data.
func (in CardInput) String() string { return "client.CardInput{[redacted]}" }

// GoString redacts the input for %#v as well.
func (in CardInput) GoString() string { return in.String() }

// Card is a stored card as the vault shows it: masked, never the number.
type Card struct {
	ID           string            `json:"id"`
	MaskedNumber string            `json:"masked_number"`
	BIN          string            `json:"bin"`
	Last4        string            `json:"last4"`
	Scheme       string            `json:"scheme"`
	ExpMonth     int               `json:"exp_month,omitempty"`
	ExpYear      int               `json:"exp_year,omitempty"`
	Holder       string            `json:"holder,omitempty"`
	Reference    string            `json:"reference,omitempty"`
	Metadata     map[string]string `json:"metadata"`
	// Fingerprint is shown only to keys with the cards:reveal scope.
	Fingerprint string     `json:"fingerprint,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	// SecurityCodeHeld says whether a security code is held for the card
	// (on create and get).
	SecurityCodeHeld *bool `json:"security_code_held,omitempty"`
}

// PAN is a revealed card number. It prints masked; Digits gives the value.
type PAN string

// Digits returns the card number.
func (p PAN) Digits() string { return string(p) }

// String masks all but the first six and last four digits.
func (p PAN) String() string {
	if len(p) < 13 {
		return "[redacted]"
	}
	masked := []byte(p)
	for i := 6; i < len(masked)-4; i++ {
		masked[i] = '*'
	}
	return string(masked)
}

// GoString masks the number for %#v as well.
func (p PAN) GoString() string { return p.String() }

// Format masks the number for every fmt verb.
func (p PAN) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(p.String())) }

// RevealedCard is a card with its number, as GET …/reveal answers.
type RevealedCard struct {
	Card
	Number PAN               `json:"number"`
	Extra  map[string]string `json:"extra,omitempty"`
}

// CardUpdate changes a card's mutable fields; nil fields stay as they are.
type CardUpdate struct {
	Expiry    *string           `json:"expiry,omitempty"`
	Holder    *string           `json:"holder,omitempty"`
	Reference *string           `json:"reference,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	Extra     map[string]string `json:"extra,omitempty"`
}

// Page asks for one page of a list: up to Limit items (1–100, 0 means the
// vault's default of 20) after the id After.
type Page struct {
	After string
	Limit int
}

// query renders the page as a query string.
func (p Page) query() string {
	q := url.Values{}
	if p.After != "" {
		q.Set("after", p.After)
	}
	if p.Limit != 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// CardList is one page of cards; NextAfter is set when more may follow.
type CardList struct {
	Items     []Card `json:"items"`
	NextAfter string `json:"next_after,omitempty"`
}

// CreateCard stores a card (scope cards:write).
func (c *Client) CreateCard(ctx context.Context, in CardInput) (Card, error) {
	var out Card
	err := c.do(ctx, "POST", "/cards", in, &out)
	return out, err
}

// GetCard returns a stored card, masked (scope cards:read).
func (c *Client) GetCard(ctx context.Context, id string) (Card, error) {
	var out Card
	err := c.do(ctx, "GET", "/cards/"+escape(id), nil, &out)
	return out, err
}

// ListCards returns one page of cards, masked (scope cards:read).
func (c *Client) ListCards(ctx context.Context, p Page) (CardList, error) {
	var out CardList
	err := c.do(ctx, "GET", "/cards"+p.query(), nil, &out)
	return out, err
}

// UpdateCard changes a card's expiry, holder, reference, metadata or extra
// fields (scope cards:write).
func (c *Client) UpdateCard(ctx context.Context, id string, u CardUpdate) (Card, error) {
	var out Card
	err := c.do(ctx, "PATCH", "/cards/"+escape(id), u, &out)
	return out, err
}

// RevealCard returns a card with its number (scope cards:reveal); the
// vault audits every reveal.
func (c *Client) RevealCard(ctx context.Context, id string) (RevealedCard, error) {
	var out RevealedCard
	err := c.do(ctx, "GET", "/cards/"+escape(id)+"/reveal", nil, &out)
	return out, err
}

// DeleteCard deletes a card (scope cards:write).
func (c *Client) DeleteCard(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/cards/"+escape(id), nil, nil)
}
