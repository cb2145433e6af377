package vault

import (
	"context"
	"time"
)

// Store persists the vault's state. It is untrusted: every sensitive value it
// receives is already sealed, and it only ever sees ciphertext, hashes and the
// clear columns listed on each type. Implementations return ErrNotFound and
// ErrConflict (possibly wrapped), never driver errors, and must pass the
// contract suite in package storetest.
//
// Reads that take now hide rows whose ExpiresAt is not after now; expired rows
// are removed later by DeleteExpired.
type Store interface {
	// Tx runs fn in one transaction: every write fn makes through the Store
	// it is given is committed together, or none is when fn returns an error.
	// Calling Tx on that Store again runs fn in the same transaction.
	Tx(ctx context.Context, fn func(Store) error) error
	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error

	// InsertMeta stores a vault-wide value once; ErrConflict if key exists.
	InsertMeta(ctx context.Context, key string, value []byte) error
	// GetMeta returns a vault-wide value or ErrNotFound.
	GetMeta(ctx context.Context, key string) ([]byte, error)
	// ReplaceMeta sets a value to value only if it is now old (compare and
	// swap); ErrNotFound if key is absent, ErrConflict if it holds another value.
	ReplaceMeta(ctx context.Context, key string, old, value []byte) error

	// CreateTenant adds a tenant; ErrConflict if its id exists.
	CreateTenant(ctx context.Context, t Tenant) error
	// GetTenant returns a tenant or ErrNotFound.
	GetTenant(ctx context.Context, id string) (Tenant, error)
	// ListTenants pages through tenants in id order.
	ListTenants(ctx context.Context, p Page) ([]Tenant, error)
	// DisableTenant sets a tenant's DisabledAt and integrity tag, only if
	// it is not disabled yet and its tag is now old (compare and swap; nil
	// old matches no tag): ErrConflict when the row exists otherwise,
	// ErrNotFound when it is absent.
	DisableTenant(ctx context.Context, id string, at time.Time, integrity, old []byte) error
	// TagTenant sets the integrity tag of a tenant that has none (a row
	// from before the tenants' tags): ErrConflict if it has one,
	// ErrNotFound if absent.
	TagTenant(ctx context.Context, id string, integrity []byte) error

	// InsertKey stores wrapped key material; ErrConflict if (tenant, purpose,
	// version) exists.
	InsertKey(ctx context.Context, k WrappedKey) error
	// ListKeys returns a tenant's wrapped keys of one purpose, newest version first.
	ListKeys(ctx context.Context, tenant, purpose string) ([]WrappedKey, error)
	// ReplaceKey sets the Wrapped bytes of key (k.Tenant, k.Purpose,
	// k.Version) to k.Wrapped only if they are now old (compare and swap);
	// ErrNotFound if absent, ErrConflict if they differ.
	ReplaceKey(ctx context.Context, k WrappedKey, old []byte) error

	// CreateAPIKey stores an API key; ErrConflict if its id or hash exists.
	CreateAPIKey(ctx context.Context, k APIKey) error
	// APIKeyByHash returns the key with that secret hash, revoked or not, or ErrNotFound.
	APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
	// GetAPIKey returns one of a tenant's keys or ErrNotFound.
	GetAPIKey(ctx context.Context, tenant, id string) (APIKey, error)
	// ListAPIKeys pages through a tenant's keys in id order.
	ListAPIKeys(ctx context.Context, tenant string, p Page) ([]APIKey, error)
	// UpdateAPIKey sets the Name, Scopes and Integrity of the tenant's
	// unrevoked key k.ID to k's, touching no other column, only if its
	// Integrity is now old (compare and swap); ErrNotFound if it does not
	// exist or is revoked, ErrConflict if its Integrity differs.
	UpdateAPIKey(ctx context.Context, k APIKey, old []byte) error
	// RevokeAPIKey marks a key revoked at the given time and replaces its
	// Integrity tag with integrity, only if its tag is now old (compare and
	// swap); ErrNotFound if it does not exist or is already revoked,
	// ErrConflict if its Integrity differs.
	RevokeAPIKey(ctx context.Context, tenant, id string, at time.Time, integrity, old []byte) error

	// CreateCard stores a card; ErrConflict if its id exists.
	CreateCard(ctx context.Context, c Card) error
	// GetCard returns a live card of the tenant or ErrNotFound.
	GetCard(ctx context.Context, tenant, id string, now time.Time) (Card, error)
	// UpdateCard replaces a live card's mutable columns; ErrNotFound if absent.
	UpdateCard(ctx context.Context, c Card, now time.Time) error
	// DeleteCard removes a card; ErrNotFound if absent.
	DeleteCard(ctx context.Context, tenant, id string) error
	// ListCards pages through a tenant's live cards in id order.
	ListCards(ctx context.Context, tenant string, p Page, now time.Time) ([]Card, error)
	// ResealCard sets a card's SealedPAN, SealedHolder and SealedExtra to
	// those of c only if they are now old's (compare and swap), touching no
	// other column; ErrNotFound if absent, ErrConflict if they differ.
	ResealCard(ctx context.Context, c, old Card) error
	// CardsByFingerprint returns a tenant's live cards with that fingerprint, in id order.
	CardsByFingerprint(ctx context.Context, tenant, fingerprint string, now time.Time) ([]Card, error)

	// CreateRecord stores a record; ErrConflict if (kind, id) exists, or if
	// its Key is set and (tenant, kind, key) exists.
	CreateRecord(ctx context.Context, r Record) error
	// GetRecord returns a live record by kind and id, whatever its tenant, or ErrNotFound.
	GetRecord(ctx context.Context, kind, id string, now time.Time) (Record, error)
	// RecordByKey returns a tenant's live record by its unique key or ErrNotFound.
	RecordByKey(ctx context.Context, tenant, kind, key string, now time.Time) (Record, error)
	// UpdateRecord replaces a live record's Key, Parent, Data and ExpiresAt
	// when its stored Version equals r.Version, and bumps the version.
	// ErrNotFound if absent; ErrConflict if the version moved on or the new
	// key is taken.
	UpdateRecord(ctx context.Context, r Record, now time.Time) (Record, error)
	// DeleteRecord removes a record of the tenant; ErrNotFound if absent.
	DeleteRecord(ctx context.Context, tenant, kind, id string) error
	// ListRecords pages through live records in id order.
	ListRecords(ctx context.Context, q RecordQuery, now time.Time) ([]Record, error)
	// DeleteRecords removes every record of a tenant and kind with that
	// parent and reports how many went.
	DeleteRecords(ctx context.Context, tenant, kind, parent string) (int, error)

	// DeleteExpired removes up to limit expired cards and records and reports
	// how many went.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
}

// Page selects a slice of an id-ordered list: ids after After, at most Limit.
type Page struct {
	After string
	Limit int
}

// RecordQuery selects records of one tenant and kind, optionally of one parent.
type RecordQuery struct {
	Tenant string
	Kind   string
	// Parent, when not empty, keeps only records with that parent.
	Parent string
	Page
}
