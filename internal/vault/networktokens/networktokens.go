// Package networktokens provisions and keeps card-network tokens (a
// scheme-issued DPAN with its own expiry, and single-use cryptograms) for
// stored cards through a token service provider (package tsp). Tokens,
// cryptograms and lifecycle events are sealed, tenant-bound vault records;
// a token's parent is its card. A cryptogram is used at most once even
// across nodes sharing one PostgreSQL store, because its use is the
// store's compare-and-set on the record, not process state.
//
// Every lifecycle change (provisioned, suspended, resumed, deleted,
// updated) is recorded as an event in the same transaction as the change,
// handed to the Hook set with OnEvent inside that transaction, and then
// reported as a vault.Notice whose action is the event type.
package networktokens

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
)

// Service keeps network tokens on a vault through one provider.
type Service struct {
	v  *vault.Service
	p  tsp.Provider
	st *storage
}

// New returns the service over v; provider builds the token service
// provider on the storage the service keeps its records in, e.g.
//
//	networktokens.New(v, func(st tsp.Storage) tsp.Provider { return tsp.NewSandbox(st, nil) })
func New(v *vault.Service, provider func(tsp.Storage) tsp.Provider) *Service {
	st := &storage{v: v}
	return &Service{v: v, p: provider(st), st: st}
}

// OnEvent sets fn to receive every lifecycle event inside the transaction
// that records it (the durable hand-off a webhook outbox needs); fn's
// error undoes the change. Only one hook is kept; nil removes it.
func (s *Service) OnEvent(fn Hook) {
	if fn == nil {
		s.st.hook.Store(nil)
		return
	}
	s.st.hook.Store(&fn)
}

// Provider names the token service provider ("sandbox", …).
func (s *Service) Provider() string { return s.p.Name() }

// Check says whether the provider would refuse to tokenize a card, before
// the card is stored: the error Provision would return, or nil when the
// provider cannot tell beforehand (it does not implement tsp.Checker).
func (s *Service) Check(pan card.PAN, expiry card.Expiry) error {
	c, ok := s.p.(tsp.Checker)
	if !ok {
		return nil
	}
	return c.Check(pan, expiry)
}

// ProvisionOptions are the optional inputs of Provision.
type ProvisionOptions struct {
	// Metadata is kept with the token as given (validated by the facade).
	Metadata map[string]string
}

var errNotFound = &vault.Error{Code: vault.CodeNotFound, Public: "network token not found"}

// Provision asks the provider for an active network token for the
// tenant's card. An unknown card is not found; a scheme the provider does
// not tokenize or an expired card is invalid (tsp.ErrSchemeNotSupported,
// tsp.ErrCardExpired).
func (s *Service) Provision(ctx context.Context, tenant, cardID string, opts ProvisionOptions) (tsp.Token, error) {
	c, err := s.v.RevealCard(ctx, tenant, cardID)
	if err != nil {
		return tsp.Token{}, err
	}
	t, err := s.p.Provision(ctx, tsp.ProvisionRequest{Tenant: tenant, CardID: c.ID, PAN: c.PAN, Expiry: c.Expiry,
		Metadata: opts.Metadata})
	return t, vault.DomainError(err)
}

// Get returns the tenant's token as last stored (deleted ones included).
func (s *Service) Get(ctx context.Context, tenant, id string) (tsp.Token, error) {
	if _, err := uuid.Parse(id); err != nil {
		return tsp.Token{}, errNotFound
	}
	t, err := s.st.Token(ctx, tenant, id)
	if errors.Is(err, vault.ErrNotFound) {
		return tsp.Token{}, errNotFound
	}
	return t, err
}

// List pages through the tenant's tokens in id order: those of cardID,
// or all when cardID is "".
func (s *Service) List(ctx context.Context, tenant, cardID string, p vault.Page) ([]tsp.Token, error) {
	rs, err := tokens.List(ctx, s.v, tenant, cardID, p)
	if err != nil {
		return nil, err
	}
	out := make([]tsp.Token, 0, len(rs))
	for _, r := range rs {
		t, err := tokenOf(r)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Refresh asks the provider for the token's current state, which it
// stores (with a network_token.updated event) when the network changed it.
func (s *Service) Refresh(ctx context.Context, tenant, id string) (tsp.Token, error) {
	if _, err := s.Get(ctx, tenant, id); err != nil {
		return tsp.Token{}, err
	}
	t, err := s.p.Status(ctx, tenant, id)
	return t, vault.DomainError(err)
}

// Cryptogram mints a single-use cryptogram for an active token, bound to
// b's amount and currency when they are set. A token that is not active
// is a conflict (tsp.ErrTokenState).
func (s *Service) Cryptogram(ctx context.Context, tenant, id string, b tsp.Binding) (tsp.Cryptogram, error) {
	if _, err := s.Get(ctx, tenant, id); err != nil {
		return tsp.Cryptogram{}, err
	}
	c, err := s.p.Cryptogram(ctx, tsp.CryptogramRequest{Tenant: tenant, TokenID: id, Binding: b})
	return c, vault.DomainError(err)
}

// Redeemed is a cryptogram spent for one use, with its token.
type Redeemed struct {
	Cryptogram tsp.Cryptogram
	Token      tsp.Token
}

// Redeem spends the tenant's cryptogram reference, once only, on every
// node. tokenID, when not "", is the token the caller means: a reference
// of another token is not found and stays unspent. use is the amount and
// currency of the use; nil means the cryptogram's own binding (the caller
// does not know the amount and the network checks it at authorization).
// A second use is a conflict (tsp.ErrCryptogramUsed), a late one expired
// (tsp.ErrCryptogramExpired), another amount or currency a conflict that
// spends it (tsp.ErrCryptogramBinding), a token no longer active a
// conflict (tsp.ErrTokenState), an unknown reference not found.
func (s *Service) Redeem(ctx context.Context, tenant, tokenID, reference string, use *tsp.Binding) (Redeemed, error) {
	notFound := &vault.Error{Code: vault.CodeNotFound, Public: "cryptogram reference not found"}
	if _, err := uuid.Parse(reference); err != nil {
		return Redeemed{}, notFound
	}
	if tokenID != "" || use == nil {
		r, err := cryptograms.Get(ctx, s.v, tenant, reference)
		switch {
		case errors.Is(err, vault.ErrNotFound):
			return Redeemed{}, notFound
		case err != nil:
			return Redeemed{}, err
		case tokenID != "" && r.Value.TokenID != tokenID:
			return Redeemed{}, notFound
		case use == nil:
			use = &tsp.Binding{Amount: r.Value.Amount, Currency: r.Value.Currency}
		}
	}
	c, err := s.p.Redeem(ctx, tenant, reference, *use)
	if err != nil {
		return Redeemed{}, vault.DomainError(err)
	}
	t, err := s.Get(ctx, tenant, c.TokenID)
	if err != nil {
		return Redeemed{}, err
	}
	return Redeemed{Cryptogram: c, Token: t}, nil
}

// Suspend makes an active token suspended; other states are a conflict.
func (s *Service) Suspend(ctx context.Context, tenant, id string) (tsp.Token, error) {
	return s.transition(ctx, tenant, id, s.p.Suspend)
}

// Resume makes a suspended token active; other states are a conflict.
func (s *Service) Resume(ctx context.Context, tenant, id string) (tsp.Token, error) {
	return s.transition(ctx, tenant, id, s.p.Resume)
}

// Delete makes a token deleted, for good; it stays readable with that
// state. A token already deleted is a conflict.
func (s *Service) Delete(ctx context.Context, tenant, id string) (tsp.Token, error) {
	return s.transition(ctx, tenant, id, s.p.Delete)
}

func (s *Service) transition(ctx context.Context, tenant, id string, fn func(context.Context, string, string) (tsp.Token, error)) (tsp.Token, error) {
	if _, err := s.Get(ctx, tenant, id); err != nil {
		return tsp.Token{}, err
	}
	t, err := fn(ctx, tenant, id)
	return t, vault.DomainError(err)
}

// DeleteCard deletes every live token of the tenant's card, for when the
// card itself is deleted.
func (s *Service) DeleteCard(ctx context.Context, tenant, cardID string) error {
	rs, err := tokens.All(ctx, s.v, tenant, cardID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if tsp.State(r.Value.State) == tsp.StateDeleted {
			continue
		}
		if _, err := s.p.Delete(ctx, tenant, r.ID); err != nil && !errors.Is(err, tsp.ErrTokenState) {
			return vault.DomainError(err)
		}
	}
	return nil
}

// Events lists the tenant's lifecycle events with an id after after ("" for
// the oldest kept), oldest first, at most limit.
func (s *Service) Events(ctx context.Context, tenant, after string, limit int) ([]tsp.Event, error) {
	return s.st.Events(ctx, tenant, after, limit)
}
