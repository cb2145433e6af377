// Package tsp is cardvault's side of a card network's token service
// (Visa VTS, Mastercard MDES, Amex TMS): provisioning a network token (a
// scheme-issued substitute number, the DPAN, with its own expiry) for a
// stored card, reading its status, minting per-transaction cryptograms,
// and suspending, resuming and deleting it, with a lifecycle event for
// every change.
//
// Provider is what a real network adapter implements; Sandbox is the one
// implementation here, which behaves like the real services (see
// docs/network-tokens.md) and marks everything it returns as sandbox.
// Provider state lives behind Storage, declared here; MemoryStorage serves
// tests and a single process, and a vault-backed one comes later.
//
// Card numbers are card.PAN values, which redact themselves wherever they
// could be printed; errors never carry a PAN, a DPAN or a cryptogram.
package tsp

import (
	"context"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// State is a network token's lifecycle state.
type State string

// The states of a network token. Deleted is final.
const (
	StateActive    State = "active"
	StateSuspended State = "suspended"
	StateDeleted   State = "deleted"
)

// Token is a network token.
type Token struct {
	// ID is cardvault's id for the token.
	ID string
	// Tenant owns the token; CardID is the stored card it stands for.
	Tenant, CardID string
	// Scheme is the funding card's network.
	Scheme card.Scheme
	// DPAN is the token number; it never equals the funding PAN.
	DPAN card.PAN
	// Expiry is the token's own expiry, not the card's.
	Expiry card.Expiry
	// ReferenceID is the network's reference for the token.
	ReferenceID string
	// State is the lifecycle state.
	State State
	// Sandbox is true for a token the sandbox made: never a real one.
	Sandbox bool
	// Provider names the provider that made it ("sandbox", "visa", …).
	Provider string
	// Metadata is the merchant's labels for the token, kept as given.
	Metadata map[string]string
	// CreatedAt and UpdatedAt are when it was made and last changed.
	CreatedAt, UpdatedAt time.Time
	// Version increases with every change (the storage's compare-and-set).
	Version int
}

// ProvisionRequest asks for a network token for a stored card.
type ProvisionRequest struct {
	Tenant, CardID string
	PAN            card.PAN
	Expiry         card.Expiry
	// Metadata is copied onto the token.
	Metadata map[string]string
}

// Binding is what a cryptogram may be bound to: an amount in minor units
// and an ISO 4217 currency code, each optional.
type Binding struct {
	Amount   *int64
	Currency string
}

// CryptogramRequest asks for a cryptogram for one transaction.
type CryptogramRequest struct {
	Tenant, TokenID string
	Binding
}

// Cryptogram is a one-transaction cryptogram (TAVV, UCAF, …) for a token.
type Cryptogram struct {
	// Reference is cardvault's single-use handle on the cryptogram.
	Reference string
	Tenant    string
	TokenID   string
	// Value is the cryptogram itself (base64).
	Value string
	// ECI is the electronic commerce indicator to send with it.
	ECI string
	// DynamicCVV is a one-transaction security code for the DPAN, where
	// the network issues one ("" otherwise).
	DynamicCVV string
	// Binding is what the cryptogram is bound to.
	Binding
	// ExpiresAt is when it can no longer be used; UsedAt when it was used.
	ExpiresAt time.Time
	UsedAt    *time.Time
	Sandbox   bool
}

// EventType names a lifecycle change.
type EventType string

// The lifecycle events.
const (
	EventProvisioned EventType = "network_token.provisioned"
	EventSuspended   EventType = "network_token.suspended"
	EventResumed     EventType = "network_token.resumed"
	EventDeleted     EventType = "network_token.deleted"
	// EventUpdated: the network changed the token (a new expiry or DPAN
	// after the card was re-issued), learned through Status.
	EventUpdated EventType = "network_token.updated"
)

// Event is one lifecycle change of a token.
type Event struct {
	// ID names the event; Storage assigns it, and a tenant's events sort
	// by it in the order they were recorded.
	ID      string
	Tenant  string
	TokenID string
	CardID  string
	Type    EventType
	State   State
	At      time.Time
}

// Provider is a token service. Every method is tenant-bound: another
// tenant's token answers not found.
type Provider interface {
	// Name names the provider ("sandbox", "visa", "mastercard").
	Name() string
	// Provision makes an active network token for a card.
	Provision(ctx context.Context, req ProvisionRequest) (Token, error)
	// Status returns a token as the network knows it now.
	Status(ctx context.Context, tenant, tokenID string) (Token, error)
	// Cryptogram mints a single-use cryptogram for an active token.
	Cryptogram(ctx context.Context, req CryptogramRequest) (Cryptogram, error)
	// Redeem uses a cryptogram by its reference, once: for the token it was
	// minted for and, when it is bound, for the same amount and currency.
	Redeem(ctx context.Context, tenant, reference string, use Binding) (Cryptogram, error)
	// Suspend, Resume and Delete change the token's state.
	Suspend(ctx context.Context, tenant, tokenID string) (Token, error)
	Resume(ctx context.Context, tenant, tokenID string) (Token, error)
	Delete(ctx context.Context, tenant, tokenID string) (Token, error)
	// Events lists the tenant's lifecycle events with an ID after after
	// ("" for the first), oldest first.
	Events(ctx context.Context, tenant, after string, limit int) ([]Event, error)
}

// Checker is implemented by a provider that can tell, before anything is
// stored, whether it would refuse a card (a scheme it does not serve, an
// expired card); a facade that saves a card and provisions in one call asks
// first, so that a refusal leaves nothing to undo. Check returns the error
// Provision would.
type Checker interface {
	Check(pan card.PAN, expiry card.Expiry) error
}

// The reasons a provider refuses, wrapped in *vault.Error values whose
// public messages say the same in words.
var (
	ErrSchemeNotSupported = errors.New("tsp: scheme not tokenized")
	ErrCardExpired        = errors.New("tsp: card expired")
	ErrTokenState         = errors.New("tsp: token state does not allow this")
	ErrCryptogramUsed     = errors.New("tsp: cryptogram already used")
	ErrCryptogramExpired  = errors.New("tsp: cryptogram expired")
	ErrCryptogramBinding  = errors.New("tsp: cryptogram bound to another amount or currency")
)

func refuse(code vault.Code, cause error, public string) error {
	return &vault.Error{Code: code, Public: public, Err: cause}
}
