package cardtokens

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault"
)

// LineCardToken is the export line type (docs/export-format.md) of a
// provider's token of a card.
const LineCardToken = "card_token"

// TokenLine is a provider's token as an export carries it, the token in
// the clear (the file is encrypted).
type TokenLine struct {
	Type      string    `json:"type"`
	ID        string    `json:"id"`
	CardID    string    `json:"card_id"`
	Service   string    `json:"service"`
	Value     string    `json:"value,omitempty"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// LineTypes names the export line types ImportObject stores.
func (s *Service) LineTypes() []string { return []string{LineCardToken} }

// EachObject calls fn with every card token of the tenant as an export line.
func (s *Service) EachObject(ctx context.Context, tenant string, fn func(line any) error) error {
	return records.Each(ctx, s.v, tenant, "", func(r vault.Stored[tokenData]) error {
		d := r.Value
		return fn(TokenLine{Type: LineCardToken, ID: r.ID, CardID: d.CardID, Service: d.Service, Value: d.Value, Status: d.Status,
			Reason: d.Reason, CreatedAt: r.CreatedAt})
	})
}

// ImportObject stores a card token line under its id; its card must be
// imported first.
func (s *Service) ImportObject(ctx context.Context, tenant, typ string, raw json.RawMessage) (vault.ImportOutcome, error) {
	var l TokenLine
	if typ != LineCardToken || json.Unmarshal(raw, &l) != nil {
		return 0, vault.Invalid("type", "not a card token line")
	}
	if _, err := uuid.Parse(l.ID); err != nil || len(l.ID) != 36 {
		return 0, vault.Invalid("id", "card token id must be a UUID")
	}
	if l.Service == "" || (l.Status != "succeeded" && l.Status != "failed") {
		return 0, vault.Invalid("status", "a card token needs a service and a status of succeeded or failed")
	}
	if _, err := s.v.GetCard(ctx, tenant, l.CardID); err != nil {
		return 0, vault.Invalid("card_id", "the token's card is not in the import")
	}
	return records.Import(ctx, s.v, vault.Stored[tokenData]{Tenant: tenant, ID: l.ID, CreatedAt: l.CreatedAt,
		Value: tokenData{CardID: l.CardID, Service: l.Service, Value: l.Value, Status: l.Status, Reason: l.Reason}},
		func(old tokenData) bool { return old.CardID == l.CardID && old.Value == l.Value }, "card token id is taken by another token")
}
