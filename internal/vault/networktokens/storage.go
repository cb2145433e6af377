package networktokens

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
)

// Retention of the records that only serve a while.
const (
	// CryptogramRetention is how long a cryptogram's record outlives the
	// cryptogram, so that a late use answers "expired" or "already used"
	// rather than "not found".
	CryptogramRetention = 24 * time.Hour
	// EventRetention is how long lifecycle events stay listable.
	EventRetention = 90 * 24 * time.Hour
)

// tokenData is a network token record's value; the whole value, the DPAN
// among it, is sealed.
type tokenData struct {
	CardID      string            `json:"card_id"`
	Scheme      string            `json:"scheme"`
	DPAN        string            `json:"dpan"`
	ExpMonth    int               `json:"exp_month"`
	ExpYear     int               `json:"exp_year"`
	ReferenceID string            `json:"reference_id"`
	State       string            `json:"state"`
	Sandbox     bool              `json:"sandbox"`
	Provider    string            `json:"provider"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// cryptogramData is a cryptogram record's value.
type cryptogramData struct {
	TokenID   string     `json:"token_id"`
	Value     string     `json:"value"`
	ECI       string     `json:"eci"`
	CVV       string     `json:"dynamic_cvv,omitempty"`
	Amount    *int64     `json:"amount,omitempty"`
	Currency  string     `json:"currency,omitempty"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"`
	Sandbox   bool       `json:"sandbox"`
}

// eventData is a lifecycle event record's value.
type eventData struct {
	TokenID string    `json:"token_id"`
	CardID  string    `json:"card_id"`
	Type    string    `json:"type"`
	State   string    `json:"state"`
	At      time.Time `json:"at"`
}

var (
	tokens      = vault.NewRecordType(vault.KindNetworkToken, 1, nil, func(d *tokenData) string { return d.CardID })
	cryptograms = vault.NewRecordType(vault.KindNetworkCryptogram, 1, nil, func(d *cryptogramData) string { return d.TokenID })
	events      = vault.NewRecordType(vault.KindNetworkTokenEvent, 1, nil, func(d *eventData) string { return d.TokenID })
)

// Hook receives every lifecycle event inside the transaction that records
// it: what it writes through tx commits with the change, or the change
// fails with it.
type Hook func(ctx context.Context, tx *vault.Service, e tsp.Event, t tsp.Token) error

// storage is the tsp.Storage on the vault's typed records: tokens,
// cryptograms and events are sealed, tenant-bound records, and the two
// racing writes are the store's compare-and-set on a record's version, so
// they hold across nodes.
type storage struct {
	v    *vault.Service
	hook atomic.Pointer[Hook]
}

var _ tsp.Storage = (*storage)(nil)

func dataOf(t tsp.Token) tokenData {
	return tokenData{CardID: t.CardID, Scheme: string(t.Scheme), DPAN: t.DPAN.Digits(), ExpMonth: t.Expiry.Month,
		ExpYear: t.Expiry.Year, ReferenceID: t.ReferenceID, State: string(t.State), Sandbox: t.Sandbox,
		Provider: t.Provider, Metadata: t.Metadata}
}

func tokenOf(r vault.Stored[tokenData]) (tsp.Token, error) {
	d := r.Value
	t := tsp.Token{ID: r.ID, Tenant: r.Tenant, CardID: d.CardID, Scheme: card.Scheme(d.Scheme), ReferenceID: d.ReferenceID,
		State: tsp.State(d.State), Sandbox: d.Sandbox, Provider: d.Provider, Metadata: d.Metadata,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: int(r.Version)}
	var err error
	if d.DPAN != "" {
		if t.DPAN, err = card.ParsePAN(d.DPAN); err != nil {
			return tsp.Token{}, fmt.Errorf("network token %s: stored DPAN does not parse", r.ID)
		}
	}
	if d.ExpYear != 0 {
		if t.Expiry, err = card.NewExpiry(d.ExpMonth, d.ExpYear); err != nil {
			return tsp.Token{}, fmt.Errorf("network token %s: stored expiry: %w", r.ID, err)
		}
	}
	return t, nil
}

func cryptogramOf(r vault.Stored[cryptogramData]) tsp.Cryptogram {
	d := r.Value
	return tsp.Cryptogram{Reference: r.ID, Tenant: r.Tenant, TokenID: d.TokenID, Value: d.Value, ECI: d.ECI, DynamicCVV: d.CVV,
		Binding: tsp.Binding{Amount: d.Amount, Currency: d.Currency}, ExpiresAt: d.ExpiresAt, UsedAt: d.UsedAt,
		Sandbox: d.Sandbox}
}

// CreateToken implements tsp.Storage.
func (s *storage) CreateToken(ctx context.Context, t tsp.Token, e tsp.Event) error {
	return s.change(ctx, t, e, func(tx *vault.Service) (tsp.Token, error) {
		r, err := tokens.Put(ctx, tx, vault.Stored[tokenData]{Tenant: t.Tenant, ID: t.ID, Value: dataOf(t),
			CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt})
		if err != nil {
			return tsp.Token{}, err
		}
		return tokenOf(r)
	})
}

// Token implements tsp.Storage.
func (s *storage) Token(ctx context.Context, tenant, id string) (tsp.Token, error) {
	r, err := tokens.Get(ctx, s.v, tenant, id)
	if err != nil {
		return tsp.Token{}, err
	}
	return tokenOf(r)
}

// UpdateToken implements tsp.Storage.
func (s *storage) UpdateToken(ctx context.Context, t tsp.Token, e tsp.Event) error {
	return s.change(ctx, t, e, func(tx *vault.Service) (tsp.Token, error) {
		r, err := tokens.Get(ctx, tx, t.Tenant, t.ID)
		if err != nil {
			return tsp.Token{}, err
		}
		if r.Version != int64(t.Version-1) || r.Value.CardID != t.CardID {
			return tsp.Token{}, fmt.Errorf("network token %s moved on: %w", t.ID, vault.ErrConflict)
		}
		r.Value = dataOf(t)
		if r, err = tokens.Update(ctx, tx, r); err != nil {
			return tsp.Token{}, err
		}
		return tokenOf(r)
	})
}

// change writes a token (through write) and its event in one
// transaction with the hook's writes, then reports the event as a notice.
func (s *storage) change(ctx context.Context, t tsp.Token, e tsp.Event, write func(tx *vault.Service) (tsp.Token, error)) error {
	err := s.v.Tx(ctx, func(tx *vault.Service) error {
		saved, err := write(tx)
		if err != nil {
			return err
		}
		e.ID, e.Tenant, e.TokenID, e.CardID = uuid.Must(uuid.NewV7()).String(), t.Tenant, t.ID, t.CardID
		if e.At.IsZero() {
			e.At = tx.Now()
		}
		_, err = events.Put(ctx, tx, vault.Stored[eventData]{Tenant: e.Tenant, ID: e.ID,
			Value:     eventData{TokenID: e.TokenID, CardID: e.CardID, Type: string(e.Type), State: string(e.State), At: e.At},
			ExpiresAt: tx.Now().Add(EventRetention)})
		if err != nil {
			return err
		}
		if h := s.hook.Load(); h != nil {
			return (*h)(ctx, tx, e, saved)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.v.Notify(ctx, vault.Notice{Tenant: e.Tenant, Action: string(e.Type), Target: e.TokenID,
		Detail: map[string]string{"card": e.CardID, "state": string(e.State)}})
	return nil
}

// CreateCryptogram implements tsp.Storage.
func (s *storage) CreateCryptogram(ctx context.Context, c tsp.Cryptogram) error {
	_, err := cryptograms.Put(ctx, s.v, vault.Stored[cryptogramData]{Tenant: c.Tenant, ID: c.Reference,
		Value: cryptogramData{TokenID: c.TokenID, Value: c.Value, ECI: c.ECI, CVV: c.DynamicCVV, Amount: c.Amount, Currency: c.Currency,
			ExpiresAt: c.ExpiresAt.UTC(), Sandbox: c.Sandbox},
		ExpiresAt: c.ExpiresAt.UTC().Truncate(time.Microsecond).Add(CryptogramRetention)})
	return err
}

// UseCryptogram implements tsp.Storage: the use is a compare-and-set on
// the record's version, so of any number of uses on any number of nodes
// exactly one finds it unused.
func (s *storage) UseCryptogram(ctx context.Context, tenant, reference string, at time.Time) (tsp.Cryptogram, error) {
	r, err := cryptograms.Get(ctx, s.v, tenant, reference)
	if err != nil {
		return tsp.Cryptogram{}, err
	}
	before := cryptogramOf(r)
	if r.Value.UsedAt != nil {
		return before, fmt.Errorf("cryptogram used: %w", vault.ErrConflict)
	}
	at = at.UTC()
	r.Value.UsedAt = &at
	if _, err := cryptograms.Update(ctx, s.v, r); err != nil {
		return before, fmt.Errorf("cryptogram use: %w", err)
	}
	return before, nil
}

// Events implements tsp.Storage.
func (s *storage) Events(ctx context.Context, tenant, after string, limit int) ([]tsp.Event, error) {
	rs, err := events.List(ctx, s.v, tenant, "", vault.Page{After: after, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]tsp.Event, 0, len(rs))
	for _, r := range rs {
		d := r.Value
		out = append(out, tsp.Event{ID: r.ID, Tenant: r.Tenant, TokenID: d.TokenID, CardID: d.CardID,
			Type: tsp.EventType(d.Type), State: tsp.State(d.State), At: d.At})
	}
	return out, nil
}
