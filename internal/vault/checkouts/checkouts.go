// Package checkouts keeps checkout sessions: short-lived records through
// which a shopper's browser hands over a card and its security code (or a
// security code for a card already stored), for the merchant to store the
// card or forward it with its security code while the session lives.
//
// Everything a session holds is one sealed, tenant-bound record whose
// expiry is the session's: the card number, expiry and security code are
// sealed with it and go when it goes (deleted, or expired: unreadable at
// once, and removed by the vault's cleaner). The security code is never
// written anywhere else, so it lives exactly as long as the session. The
// session id is the browser's credential (a random UUID), which is why the
// browser-side calls find a session whatever its tenant.
package checkouts

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// Lifetimes of a session.
const (
	DefaultTTL = time.Hour
	MinTTL     = time.Hour
	MaxTTL     = 24 * time.Hour
	// MaxDetailsSize caps the merchant's details of a session.
	MaxDetailsSize = 32 << 10
)

// Session is a checkout session as the merchant sees it: never its card
// number or security code.
type Session struct {
	ID     string
	Tenant string
	// Details are the merchant's own fields (amount, currency, metadata,
	// …) as a JSON object chosen by the facade; sealed at rest.
	Details json.RawMessage
	// Card is the masked card the session holds, if any.
	Card *CardView
	// PaymentMethodID is the stored card the session is for: chosen by the
	// browser, or the card stored from the session.
	PaymentMethodID string
	// HasSecurityCode says whether a security code is held.
	HasSecurityCode bool
	CreatedAt       time.Time
	ExpiresAt       time.Time
}

// CardView is a session's card without its number.
type CardView struct {
	BIN, Last4 string
	Scheme     card.Scheme
	Expiry     card.Expiry
}

// Secrets are what a session holds for a forward or for storing its card.
type Secrets struct {
	// PAN and Expiry are the session's own card (zero when it holds none).
	PAN    card.PAN
	Expiry card.Expiry
	// SecurityCode is zero when none is held.
	SecurityCode    card.SecurityCode
	PaymentMethodID string
}

// sessionData is a session record's value.
type sessionData struct {
	Details         json.RawMessage `json:"details"`
	Number          string          `json:"number,omitempty"`
	Expiry          string          `json:"expiry,omitempty"`
	SecurityCode    string          `json:"security_code,omitempty"`
	PaymentMethodID string          `json:"payment_method_id,omitempty"`
}

var records = vault.NewRecordType[sessionData](vault.KindCheckoutSession, 1, nil, nil)

// Service keeps checkout sessions on a vault.
type Service struct{ v *vault.Service }

// New returns the service over v.
func New(v *vault.Service) *Service { return &Service{v: v} }

// errNotFound is the one answer for a session that is missing, expired or
// another tenant's.
var errNotFound = &vault.Error{Code: vault.CodeNotFound, Public: "the checkout session could not be found (it may have expired)"}

// view turns a record into a Session.
func view(r vault.Stored[sessionData]) Session {
	s := Session{ID: r.ID, Tenant: r.Tenant, Details: r.Value.Details, PaymentMethodID: r.Value.PaymentMethodID,
		HasSecurityCode: r.Value.SecurityCode != "", CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
	if pan, err := card.ParsePAN(r.Value.Number); err == nil {
		exp, _ := card.ParseExpiry(r.Value.Expiry)
		s.Card = &CardView{BIN: pan.BIN(), Last4: pan.Last4(), Scheme: pan.Scheme(), Expiry: exp}
	}
	return s
}

// details checks a JSON object of details; empty becomes {}.
func details(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return json.RawMessage(`{}`), nil
	}
	var m map[string]json.RawMessage
	if len(raw) > MaxDetailsSize || json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, vault.Invalid("body", "the session's details must be a JSON object of at most %d bytes", MaxDetailsSize)
	}
	return raw, nil
}

// Create starts a session of tenant that lives for ttl (DefaultTTL when
// zero; MinTTL to MaxTTL).
func (s *Service) Create(ctx context.Context, tenant string, d json.RawMessage, ttl time.Duration) (Session, error) {
	if ttl == 0 {
		ttl = DefaultTTL
	}
	if ttl < MinTTL || ttl > MaxTTL {
		return Session{}, vault.Invalid("expires_in", "expires_in must be from %d to %d seconds", int(MinTTL.Seconds()), int(MaxTTL.Seconds()))
	}
	d, err := details(d)
	if err != nil {
		return Session{}, err
	}
	now := s.v.Now()
	r, err := records.Put(ctx, s.v, vault.Stored[sessionData]{Tenant: tenant, ID: uuid.NewString(), CreatedAt: now,
		ExpiresAt: now.Add(ttl), Value: sessionData{Details: d}})
	if err != nil {
		return Session{}, err
	}
	return view(r), nil
}

// load reads a live session of the tenant, or of any enabled tenant when
// tenant is "" (the browser's calls, where the id is the credential).
func load(ctx context.Context, v *vault.Service, tenant, id string) (vault.Stored[sessionData], error) {
	if _, err := uuid.Parse(id); err != nil {
		return vault.Stored[sessionData]{}, errNotFound
	}
	var r vault.Stored[sessionData]
	var err error
	if tenant == "" {
		r, err = records.GetAnyTenant(ctx, v, id)
		if err == nil {
			// The browser's calls stop with the tenant's keys: a
			// disabled tenant's session takes no card and frames nothing.
			var off bool
			if off, err = v.TenantDisabled(ctx, r.Tenant); err == nil && off {
				return vault.Stored[sessionData]{}, errNotFound
			}
		}
	} else {
		r, err = records.Get(ctx, v, tenant, id)
	}
	if errors.Is(err, vault.ErrNotFound) {
		return r, errNotFound
	}
	return r, err
}

// Get returns a live session of the tenant.
func (s *Service) Get(ctx context.Context, tenant, id string) (Session, error) {
	if tenant == "" {
		return Session{}, errNotFound
	}
	r, err := load(ctx, s.v, tenant, id)
	if err != nil {
		return Session{}, err
	}
	return view(r), nil
}

// update changes a live session inside a transaction; tenant "" finds it
// whatever its tenant.
func (s *Service) update(ctx context.Context, tenant, id string, change func(*vault.Stored[sessionData]) error) (Session, error) {
	var out Session
	err := vault.RetryLostRaces(3, func() error {
		return s.v.Tx(ctx, func(tx *vault.Service) error {
			r, err := load(ctx, tx, tenant, id)
			if err != nil {
				return err
			}
			if err := change(&r); err != nil {
				return err
			}
			r.UpdatedAt = tx.Now()
			r, err = records.Update(ctx, tx, r)
			out = view(r)
			return err
		})
	})
	return out, vault.DomainError(err)
}

// Find returns a live session whatever its (enabled) tenant: for the
// browser's pages, where the id is the credential. What it returns must not reach
// the browser beyond what the page needs (the origins that may frame it).
func (s *Service) Find(ctx context.Context, id string) (Session, error) {
	r, err := load(ctx, s.v, "", id)
	if err != nil {
		return Session{}, err
	}
	return view(r), nil
}

// Live reports (nil) whether the session id is live, whatever its
// (enabled) tenant: for the browser's calls, where the id is the credential.
func (s *Service) Live(ctx context.Context, id string) error {
	_, err := load(ctx, s.v, "", id)
	return err
}

// SetDetails replaces the merchant's details of a session (its expiry
// does not move).
func (s *Service) SetDetails(ctx context.Context, tenant, id string, d json.RawMessage) (Session, error) {
	if tenant == "" {
		return Session{}, errNotFound
	}
	d, err := details(d)
	if err != nil {
		return Session{}, err
	}
	return s.update(ctx, tenant, id, func(r *vault.Stored[sessionData]) error {
		r.Value.Details = d
		return nil
	})
}

// SetCard puts a card (and, when not zero, its security code) in the
// session id, whatever its tenant: the browser's call, where the id is
// the credential. A card given before is replaced.
func (s *Service) SetCard(ctx context.Context, id string, pan card.PAN, exp card.Expiry, code card.SecurityCode) error {
	_, err := s.update(ctx, "", id, func(r *vault.Stored[sessionData]) error {
		r.Value.Number, r.Value.Expiry, r.Value.SecurityCode = pan.Digits(), exp.MMYY(), code.Digits()
		r.Value.PaymentMethodID = ""
		return nil
	})
	return err
}

// SetPaymentMethod makes the session id (any tenant) about a card its
// tenant stored, with the security code the shopper typed for it ("" for
// none), checked against the card's scheme.
func (s *Service) SetPaymentMethod(ctx context.Context, id, cardID, code string) error {
	_, err := s.update(ctx, "", id, func(r *vault.Stored[sessionData]) error {
		c, err := s.v.GetCard(ctx, r.Tenant, cardID)
		if err != nil {
			return vault.NotFound(err, "the payment method could not be found")
		}
		var sc card.SecurityCode
		if code != "" {
			if sc, err = card.ParseSecurityCode(code, c.Scheme); err != nil {
				return vault.Invalid("security_code", "%s", err.Error())
			}
		}
		r.Value.Number, r.Value.Expiry, r.Value.SecurityCode = "", "", sc.Digits()
		r.Value.PaymentMethodID = c.ID
		return nil
	})
	return err
}

// Linked records that the session's card was stored as cardID: later
// forwards naming that card may use the session's security code.
func (s *Service) Linked(ctx context.Context, tenant, id, cardID string) error {
	if tenant == "" {
		return errNotFound
	}
	_, err := s.update(ctx, tenant, id, func(r *vault.Stored[sessionData]) error {
		r.Value.PaymentMethodID = cardID
		return nil
	})
	return err
}

// Secrets returns what a live session of the tenant holds, for a forward
// or for storing its card. Never to be returned by a read API.
func (s *Service) Secrets(ctx context.Context, tenant, id string) (Secrets, error) {
	if tenant == "" {
		return Secrets{}, errNotFound
	}
	r, err := load(ctx, s.v, tenant, id)
	if err != nil {
		return Secrets{}, err
	}
	out := Secrets{PaymentMethodID: r.Value.PaymentMethodID}
	if r.Value.Number != "" {
		if out.PAN, err = card.ParsePAN(r.Value.Number); err != nil {
			return Secrets{}, err
		}
		if out.Expiry, err = card.ParseExpiry(r.Value.Expiry); err != nil {
			return Secrets{}, err
		}
	}
	if r.Value.SecurityCode != "" {
		if out.SecurityCode, err = card.ParseSecurityCode(r.Value.SecurityCode, card.Unknown); err != nil {
			return Secrets{}, err
		}
	}
	return out, nil
}

// Delete ends a session of the tenant and everything it holds.
func (s *Service) Delete(ctx context.Context, tenant, id string) error {
	if tenant == "" {
		return errNotFound
	}
	if _, err := load(ctx, s.v, tenant, id); err != nil {
		return err
	}
	err := records.Delete(ctx, s.v, tenant, id)
	if errors.Is(err, vault.ErrNotFound) {
		return errNotFound
	}
	return err
}
