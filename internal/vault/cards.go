package vault

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
)

// Field names bound into each card ciphertext's additional data.
const (
	fieldPAN    = "pan"
	fieldHolder = "holder"
	fieldExtra  = "extra"
)

// Limits on caller-supplied card fields.
const (
	MaxReferenceLen = 255
	MaxMetadataSize = 16 << 10
	MaxExtraSize    = 64 << 10
)

// CardInput is a card to store. PAN is required; the rest is optional.
type CardInput struct {
	PAN    card.PAN
	Expiry card.Expiry
	Holder string
	// Reference is the caller's own identifier for the card (not unique).
	Reference string
	// Metadata is non-sensitive caller data, kept in the clear.
	Metadata map[string]string
	// Extra is free-form data sealed with the card.
	Extra map[string]string
	// SecurityCode, when set, is held apart with an expiry (see HoldSecurityCode).
	SecurityCode card.SecurityCode
	// ExpiresAt, when not zero, is when the card is deleted.
	ExpiresAt time.Time
}

// CardView is a card as readers with the cards:read scope see it: masked.
type CardView struct {
	ID        string
	Tenant    string
	Masked    string
	BIN       string
	Last4     string
	Length    int
	Scheme    card.Scheme
	Expiry    card.Expiry
	Holder    string
	Reference string
	Metadata  map[string]string
	// Fingerprint is equal for equal card numbers within a tenant.
	Fingerprint string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ExpiresAt   time.Time
}

// RevealedCard is a card with its number in the clear (cards:reveal).
type RevealedCard struct {
	CardView
	PAN   card.PAN
	Extra map[string]string
}

// CreateCard validates and stores a card, sealing its number, holder and
// extra fields, and holds its security code apart when one is given. With
// pending audit enabled, the card's card.create audit event is written in
// the same transaction. Everything but the inserts is done before the
// transaction: on SQLite a transaction's statements run one after another
// in the group committer, which every concurrent write waits for.
func (s *Service) CreateCard(ctx context.Context, tenant string, in CardInput) (CardView, error) {
	now := s.Now()
	j := encodeCardJSON(in)
	if err := checkCard(in, now, j); err != nil {
		return CardView{}, err
	}
	// One look-up of the tenant's keys for the card's fingerprint, its
	// three seals and its pending event's.
	tk, err := s.keysFor(ctx, tenant)
	if err != nil {
		return CardView{}, err
	}
	c, err := s.prepareCard(tk, tenant, in, j, now)
	if err != nil {
		return CardView{}, err
	}
	s.tagCard(&c)
	// The card's audit event, durable with the card (auditpending.go).
	ev, err := s.preparePendingWith(ctx, tk, tenant, PendingEvent{Action: ActionCardCreate, Targets: []string{c.ID}, At: now})
	if err != nil {
		return CardView{}, err
	}
	var audited bool
	ev.remember()
	err = s.store.Tx(ctx, func(tx Store) error {
		if err := s.insertCard(ctx, tx, c, in.SecurityCode, now); err != nil {
			return err
		}
		audited, err = ev.write(ctx, tx)
		return err
	})
	if err != nil {
		ev.forget()
		return CardView{}, domainErr(err)
	}
	s.notify(ctx, Notice{Tenant: tenant, Action: ActionCardCreate, Target: c.ID, Audited: audited})
	s.noteCreatedCard(ctx, c)
	return s.createdView(c, in), nil
}

// prepareCard builds and seals a new card for in under tk, the tenant's
// keys, without storing it, so that it can be written inside a caller's
// transaction. in must already be valid (checkCard with j, its JSON).
func (s *Service) prepareCard(tk *tenantKeys, tenant string, in CardInput, j cardJSON, now time.Time) (Card, error) {
	c := Card{Tenant: tenant, ID: uuid.Must(uuid.NewV7()).String(), BIN: in.PAN.BIN(), Last4: in.PAN.Last4(),
		Scheme: string(in.PAN.Scheme()), ExpMonth: in.Expiry.Month, ExpYear: in.Expiry.Year, Reference: in.Reference,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Microsecond),
		Metadata: j.metadata, Fingerprint: tk.index.Fingerprint(in.PAN.Digits())}
	if err := sealCardWith(tk, &c, in.PAN, in.Holder, j.extra); err != nil {
		return Card{}, err
	}
	return c, nil
}

// insertCard stores a prepared card, and its security code when one is
// given, inside the caller's transaction. A card tagged ahead (tagCard) is
// stored with that tag. The card's id is new, so its row may wait for the
// commit (AtCommit).
func (s *Service) insertCard(ctx context.Context, tx Store, c Card, code card.SecurityCode, now time.Time) error {
	if err := createCard(ctx, AtCommit(tx), c); err != nil {
		return err
	}
	if code.IsZero() {
		return nil
	}
	return s.holdSecurityCode(ctx, tx, c.Tenant, c.ID, code, now)
}

// validateCard checks the parts of a card that the card package cannot.
func validateCard(in CardInput, now time.Time) error {
	return checkCard(in, now, encodeCardJSON(in))
}

// checkCard is validateCard with in's metadata and extra already encoded
// (j), as they are stored.
func checkCard(in CardInput, now time.Time, j cardJSON) error {
	switch {
	case in.PAN.IsZero():
		return Invalid("card_number", "card number is required")
	case in.Expiry != (card.Expiry{}) && in.Expiry.Expired(now):
		return Invalid("expiry", "card has expired")
	case len(in.Reference) > MaxReferenceLen:
		return Invalid("reference", "reference must be at most %d characters", MaxReferenceLen)
	case !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now):
		return Invalid("expires_at", "expiry time must be in the future")
	}
	if card.ContainsPAN(in.Reference) {
		return Invalid("reference", "%s", panInClearMessage)
	}
	if len(j.metadata) > MaxMetadataSize {
		return Invalid("metadata", "metadata must be at most %d bytes", MaxMetadataSize)
	} else if len(in.Metadata) > 0 && card.ContainsPAN(string(j.metadata)) {
		return Invalid("metadata", "%s", panInClearMessage)
	}
	if len(j.extra) > MaxExtraSize {
		return Invalid("extra", "extra fields must be at most %d bytes", MaxExtraSize)
	}
	return nil
}

// panInClearMessage refuses a value kept in the clear that looks like a
// card number (card.ContainsPAN: 13–19 digits with any separators, passing
// Luhn). It never echoes the value.
const panInClearMessage = "looks like a card number; card numbers are only accepted in the card number field, never in fields kept in the clear"

// sealCard fills the sealed columns of c.
func (s *Service) sealCard(ctx context.Context, c *Card, pan card.PAN, holder string, extra map[string]string) error {
	tk, err := s.keysFor(ctx, c.Tenant)
	if err != nil {
		return err
	}
	return sealCardWith(tk, c, pan, holder, mapJSON(extra))
}

// GetCard returns a tenant's card, masked.
func (s *Service) GetCard(ctx context.Context, tenant, id string) (CardView, error) {
	r, err := s.reveal(ctx, tenant, id)
	return r.CardView, err
}

// RevealCard returns a tenant's card with its number in the clear. Callers
// check the cards:reveal scope and audit the reveal.
func (s *Service) RevealCard(ctx context.Context, tenant, id string) (RevealedCard, error) {
	return s.reveal(ctx, tenant, id)
}

// reveal loads and opens a card.
func (s *Service) reveal(ctx context.Context, tenant, id string) (RevealedCard, error) {
	if _, err := uuid.Parse(id); err != nil {
		return RevealedCard{}, &Error{Code: CodeNotFound, Public: "card not found"}
	}
	c, err := s.store.GetCard(ctx, tenant, id, s.Now())
	if err != nil {
		return RevealedCard{}, notFound(err, "card not found")
	}
	return s.open(ctx, c)
}

// open decrypts a stored card.
func (s *Service) open(ctx context.Context, c Card) (RevealedCard, error) {
	rawPAN, err := s.Open(ctx, c.Tenant, c.ID, fieldPAN, c.SealedPAN)
	if err != nil {
		return RevealedCard{}, err
	}
	pan, err := card.ParsePAN(string(rawPAN))
	if err != nil {
		return RevealedCard{}, err
	}
	holder, err := s.Open(ctx, c.Tenant, c.ID, fieldHolder, c.SealedHolder)
	if err != nil {
		return RevealedCard{}, err
	}
	rawExtra, err := s.Open(ctx, c.Tenant, c.ID, fieldExtra, c.SealedExtra)
	if err != nil {
		return RevealedCard{}, err
	}
	var extra map[string]string
	if err := json.Unmarshal(rawExtra, &extra); err != nil {
		return RevealedCard{}, err
	}
	return RevealedCard{CardView: s.view(c, pan, string(holder)), PAN: pan, Extra: extra}, nil
}

// view builds the masked view of a card.
func (s *Service) view(c Card, pan card.PAN, holder string) CardView {
	var md map[string]string
	_ = json.Unmarshal(c.Metadata, &md)
	return s.viewWith(c, pan, holder, nonNil(md))
}

// viewWith builds the masked view of a card whose metadata is md.
func (s *Service) viewWith(c Card, pan card.PAN, holder string, md map[string]string) CardView {
	return CardView{ID: c.ID, Tenant: c.Tenant, Masked: pan.Masked(), BIN: c.BIN, Last4: c.Last4, Length: pan.Len(),
		Scheme: card.Scheme(c.Scheme), Expiry: card.Expiry{Month: c.ExpMonth, Year: c.ExpYear}, Holder: holder,
		Reference: c.Reference, Metadata: md, Fingerprint: c.Fingerprint,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, ExpiresAt: c.ExpiresAt}
}

// ListCards pages through a tenant's cards, masked.
func (s *Service) ListCards(ctx context.Context, tenant string, p Page) ([]CardView, error) {
	cards, err := s.store.ListCards(ctx, tenant, p, s.Now())
	if err != nil {
		return nil, err
	}
	return s.views(ctx, cards)
}

// views opens stored cards into their masked views.
func (s *Service) views(ctx context.Context, cards []Card) ([]CardView, error) {
	out := make([]CardView, 0, len(cards))
	for _, c := range cards {
		r, err := s.open(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, r.CardView)
	}
	return out, nil
}

// FindCards returns a tenant's cards with the same number as pan, found by
// fingerprint without decrypting any other card.
func (s *Service) FindCards(ctx context.Context, tenant string, pan card.PAN) ([]CardView, error) {
	fp, err := s.Fingerprint(ctx, tenant, pan.Digits())
	if err != nil {
		return nil, err
	}
	cards, err := s.store.CardsByFingerprint(ctx, tenant, fp, s.Now())
	if err != nil {
		return nil, err
	}
	return s.views(ctx, cards)
}

// CardUpdate lists the mutable parts of a card; nil fields stay unchanged.
// The card number cannot change.
type CardUpdate struct {
	Expiry    *card.Expiry
	Holder    *string
	Reference *string
	Metadata  map[string]string
	Extra     map[string]string
}

// UpdateCard changes a card's mutable fields, re-sealing what it touches.
func (s *Service) UpdateCard(ctx context.Context, tenant, id string, u CardUpdate) (CardView, error) {
	var out CardView
	err := s.store.Tx(ctx, func(tx Store) error {
		now := s.Now()
		c, err := tx.GetCard(ctx, tenant, id, now)
		if err != nil {
			return notFound(err, "card not found")
		}
		r, err := s.open(ctx, c)
		if err != nil {
			return err
		}
		in := CardInput{PAN: r.PAN, Expiry: r.Expiry, Holder: r.Holder, Reference: r.Reference, Metadata: r.Metadata, Extra: r.Extra}
		if u.Expiry != nil {
			in.Expiry = *u.Expiry
		}
		if u.Holder != nil {
			in.Holder = *u.Holder
		}
		if u.Reference != nil {
			in.Reference = *u.Reference
		}
		if u.Metadata != nil {
			in.Metadata = u.Metadata
		}
		if u.Extra != nil {
			in.Extra = u.Extra
		}
		if err := validateCard(in, now); err != nil {
			return err
		}
		c.ExpMonth, c.ExpYear, c.Reference, c.UpdatedAt = in.Expiry.Month, in.Expiry.Year, in.Reference, now
		if c.Metadata, err = json.Marshal(nonNil(in.Metadata)); err != nil {
			return err
		}
		if err := s.sealCard(ctx, &c, in.PAN, in.Holder, in.Extra); err != nil {
			return err
		}
		if err := tx.UpdateCard(ctx, c, now); err != nil {
			return err
		}
		out = s.view(c, in.PAN, in.Holder)
		return nil
	})
	return out, domainErr(err)
}

// DeleteCard removes a card and any security code held for it.
func (s *Service) DeleteCard(ctx context.Context, tenant, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return &Error{Code: CodeNotFound, Public: "card not found"}
	}
	var gone Card
	err := s.store.Tx(ctx, func(tx Store) error {
		c, err := tx.GetCard(ctx, tenant, id, s.Now())
		if err != nil {
			return notFound(err, "card not found")
		}
		if err := tx.DeleteCard(ctx, tenant, id); err != nil {
			return notFound(err, "card not found")
		}
		gone = c
		_, err = tx.DeleteRecords(ctx, tenant, KindSecurityCode, id)
		return err
	})
	if err != nil {
		return domainErr(err)
	}
	s.notify(ctx, Notice{Tenant: tenant, Action: ActionCardDelete, Target: id})
	s.NoteDeleted(ctx, gone.CreatedAt)
	return nil
}

// notFound turns a store's ErrNotFound into a not_found error with a public message.
func notFound(err error, msg string) error {
	if CodeOf(err) == CodeNotFound {
		return &Error{Code: CodeNotFound, Public: msg, Err: err}
	}
	return err
}

// nonNil returns m, or an empty map when m is nil, so JSON says {} not null.
func nonNil[M ~map[K]V, K comparable, V any](m M) M {
	if m == nil {
		return M{}
	}
	return m
}
