package vault

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
)

// EachCard calls fn with every live card of the tenant, opened, in id
// order, reading one page at a time so that memory stays flat at any size.
// It is for export: the caller audits it and never logs what it is given.
func (s *Service) EachCard(ctx context.Context, tenant string, fn func(RevealedCard) error) error {
	p := Page{Limit: 500}
	for {
		cards, err := s.store.ListCards(ctx, tenant, p, s.Now())
		if err != nil {
			return err
		}
		for _, c := range cards {
			rc, err := s.open(ctx, c)
			if err != nil {
				return err
			}
			if err := fn(rc); err != nil {
				return err
			}
		}
		if len(cards) < p.Limit {
			return nil
		}
		p.After = cards[len(cards)-1].ID
	}
}

// ImportOutcome says what ImportCard did.
type ImportOutcome int

// Import outcomes.
const (
	// Imported means the card was stored under the given id.
	Imported ImportOutcome = iota
	// AlreadyImported means a card with this id and the same number exists:
	// nothing was written (re-running an import is a no-op).
	AlreadyImported
)

// ImportCard stores a card under a given id (a UUID, as every card id),
// keeping the caller's creation time, so that references held elsewhere
// keep working after a migration. The input is validated like CreateCard's,
// except that a card past its expiry date is kept (it was in the vault it
// comes from); one whose ExpiresAt has passed is refused. An id already
// taken by another card is a conflict. A card's security code is never
// imported.
func (s *Service) ImportCard(ctx context.Context, tenant, id string, in CardInput, createdAt time.Time) (ImportOutcome, error) {
	now := s.Now()
	if _, err := uuid.Parse(id); err != nil {
		return 0, Invalid("id", "card id must be a UUID")
	}
	if err := validateCard(in, time.Time{}); err != nil { // the zero time: no expiry date has passed
		return 0, err
	}
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		return 0, Invalid("expires_at", "the card's expiry time has passed")
	}
	fp, err := s.Fingerprint(ctx, tenant, in.PAN.Digits())
	if err != nil {
		return 0, err
	}
	if old, err := s.store.GetCard(ctx, tenant, id, now); err == nil {
		if old.Fingerprint == fp {
			return AlreadyImported, nil
		}
		return 0, &Error{Code: CodeConflict, Public: "card id is taken by another card"}
	} else if !errors.Is(err, ErrNotFound) {
		return 0, err
	}
	if createdAt.IsZero() || createdAt.After(now) {
		createdAt = now
	}
	createdAt = createdAt.UTC().Truncate(time.Microsecond)
	c := Card{Tenant: tenant, ID: id, Fingerprint: fp, BIN: in.PAN.BIN(), Last4: in.PAN.Last4(),
		Scheme: string(in.PAN.Scheme()), ExpMonth: in.Expiry.Month, ExpYear: in.Expiry.Year, Reference: in.Reference,
		CreatedAt: createdAt, UpdatedAt: now, ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Microsecond)}
	if c.Metadata, err = json.Marshal(nonNil(in.Metadata)); err != nil {
		return 0, err
	}
	if err := s.sealCard(ctx, &c, in.PAN, in.Holder, in.Extra); err != nil {
		return 0, err
	}
	err = s.store.Tx(ctx, func(tx Store) error {
		if err := tx.CreateCard(ctx, c); err != nil {
			return err
		}
		_, err := s.pendAudit(ctx, tx, tenant, PendingEvent{Action: ActionCardImport, Targets: []string{c.ID}, At: now})
		return err
	})
	if err != nil {
		if errors.Is(err, ErrConflict) { // another tenant's card, or a concurrent import
			if old, gerr := s.store.GetCard(ctx, tenant, id, now); gerr == nil && old.Fingerprint == fp {
				return AlreadyImported, nil // the same row, imported concurrently
			}
			return 0, &Error{Code: CodeConflict, Public: "card id is taken by another card", Err: err}
		}
		return 0, err
	}
	return Imported, nil
}
