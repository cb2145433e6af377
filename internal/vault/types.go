package vault

import "time"

// DefaultTenant is the tenant created on first start.
const DefaultTenant = "default"

// Tenant is an isolated customer of the vault: every record carries one.
type Tenant struct {
	ID        string
	Name      string
	CreatedAt time.Time
	// DisabledAt, when not zero, is when the tenant was disabled: its API
	// keys stop working, on every node within Options.TenantCacheTTL.
	DisabledAt time.Time
	// Integrity is the row's tag, made and checked by the vault over every
	// other field (integrity_tenants.go); the store only keeps it.
	Integrity []byte
}

// Key purposes for WrappedKey.
const (
	// PurposeData marks a tenant's data keys (DEKs).
	PurposeData = "data"
	// PurposeIndex marks a tenant's blind-index key.
	PurposeIndex = "index"
)

// WrappedKey is key material sealed under a master key version.
type WrappedKey struct {
	Tenant  string
	Purpose string
	Version uint32
	Wrapped []byte
	// CreatedAt is when the key was made.
	CreatedAt time.Time
}

// APIKey is a credential. Only a hash of its secret is kept.
type APIKey struct {
	ID     string
	Tenant string
	Name   string
	Scopes []Scope
	Hash   []byte
	// CreatedAt is when the key was made.
	CreatedAt time.Time
	// ExpiresAt, when not zero, is when the key stops working.
	ExpiresAt time.Time
	// RevokedAt, when not zero, is when the key was revoked.
	RevokedAt time.Time
	// Integrity is the vault's MAC over every other field (integrity.go);
	// the store keeps it and never makes one.
	Integrity []byte
}

// Card is a stored card as the store sees it: sealed fields and the clear
// columns that are not sensitive under PCI DSS.
type Card struct {
	Tenant string
	ID     string
	// Fingerprint is the blind index (HMAC) of the PAN: equal cards, equal values.
	Fingerprint string
	BIN         string
	Last4       string
	Scheme      string
	ExpMonth    int
	ExpYear     int
	Reference   string
	// Metadata is caller-supplied, non-sensitive JSON (an object).
	Metadata []byte
	// SealedPAN, SealedHolder and SealedExtra are ciphertexts bound to
	// tenant, card id and field name.
	SealedPAN    []byte
	SealedHolder []byte
	SealedExtra  []byte
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// ExpiresAt, when not zero, is when the card is deleted.
	ExpiresAt time.Time
	// Integrity is the vault's MAC over the clear columns (integrity.go);
	// the store keeps it and never makes one.
	Integrity []byte
}

// Record is a generic stored object that the vault's other domains
// (capture endpoints, sessions, security-code holds, idempotency keys,
// customers, payment methods, …) are built on. Data is opaque to the store;
// the vault seals whatever in it is sensitive.
type Record struct {
	Tenant string
	Kind   string
	// ID is unique per kind across the whole vault.
	ID string
	// Key, when not empty, is unique per tenant and kind (a lookup key).
	Key string
	// Parent, when not empty, groups records (e.g. the card a hold is for).
	Parent string
	Data   []byte
	// Version starts at 1 and grows by one with each update.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// ExpiresAt, when not zero, is when the record is deleted.
	ExpiresAt time.Time
}
