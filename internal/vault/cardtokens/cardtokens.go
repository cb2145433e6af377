// Package cardtokens keeps the tokens payment providers gave for stored
// cards (Gr4vy's payment-service tokens), each a sealed, tenant-bound
// record whose parent is the card: the provider's token is as good as the
// card at that provider, so it is never stored in the clear.
package cardtokens

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault"
)

// Token is a provider's token of a stored card, or a failed attempt at one.
type Token struct {
	ID     string
	CardID string
	// Service names the operator's connector (the provider) that made it.
	Service string
	// Value is the provider's token; "" when the attempt failed.
	Value string
	// Status is "succeeded" or "failed".
	Status string
	// Reason says why an attempt failed, in safe words ("" on success).
	Reason    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// tokenData is a token record's value.
type tokenData struct {
	CardID  string `json:"card_id"`
	Service string `json:"service"`
	Value   string `json:"value,omitempty"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
}

var records = vault.NewRecordType(vault.KindCardToken, 1, nil, func(d *tokenData) string { return d.CardID })

// errNotFound answers a token that is missing, another card's or another tenant's.
var errNotFound = &vault.Error{Code: vault.CodeNotFound, Public: "the payment service token could not be found"}

// Service keeps card tokens on a vault.
type Service struct{ v *vault.Service }

// New returns the service over v.
func New(v *vault.Service) *Service { return &Service{v: v} }

func tokenOf(r vault.Stored[tokenData]) Token {
	return Token{ID: r.ID, CardID: r.Value.CardID, Service: r.Value.Service, Value: r.Value.Value, Status: r.Value.Status,
		Reason: r.Value.Reason, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Add stores t for the tenant's card t.CardID, which must exist.
func (s *Service) Add(ctx context.Context, tenant string, t Token) (Token, error) {
	var out Token
	err := s.v.Tx(ctx, func(tx *vault.Service) error {
		if _, err := tx.GetCard(ctx, tenant, t.CardID); err != nil {
			return err
		}
		r, err := records.Put(ctx, tx, vault.Stored[tokenData]{Tenant: tenant, ID: uuid.Must(uuid.NewV7()).String(),
			Value: tokenData{CardID: t.CardID, Service: t.Service, Value: t.Value, Status: t.Status, Reason: t.Reason}})
		out = tokenOf(r)
		return err
	})
	return out, vault.DomainError(err)
}

// List returns the card's tokens, oldest first; only service's when it is
// not "". A missing card is not found.
func (s *Service) List(ctx context.Context, tenant, cardID, service string) ([]Token, error) {
	if _, err := s.v.GetCard(ctx, tenant, cardID); err != nil {
		return nil, err
	}
	rs, err := records.All(ctx, s.v, tenant, cardID)
	if err != nil {
		return nil, err
	}
	out := []Token{}
	for _, r := range rs {
		if service == "" || r.Value.Service == service {
			out = append(out, tokenOf(r))
		}
	}
	return out, nil
}

// Delete removes one of the card's tokens.
func (s *Service) Delete(ctx context.Context, tenant, cardID, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return errNotFound
	}
	r, err := records.Get(ctx, s.v, tenant, id)
	if errors.Is(err, vault.ErrNotFound) || err == nil && r.Value.CardID != cardID {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return records.Delete(ctx, s.v, tenant, id)
}

// DeleteCard removes every token of a card.
func (s *Service) DeleteCard(ctx context.Context, tenant, cardID string) error {
	_, err := records.DeleteByParent(ctx, s.v, tenant, cardID)
	return err
}
