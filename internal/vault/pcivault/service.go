package pcivault

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/cardvault/cardvault/internal/seal"
)

// The records of the PCI Vault domain.
//
// A user key ("key" in PCI Vault's words) is a user_key record whose key
// is the user name. An entry (data stored under a key) is an entry record
// whose id starts with its user record's id (so a user's entries are one id
// range), whose key is "token:reference" (unique per tenant, because tokens
// are derived per user) and whose parent is the token (so "every entry of a
// token" is one group). A capture endpoint is a capture_endpoint record
// whose id is the endpoint's unique id, vault-wide, and whose parent is its
// user record's id.
var (
	userRecords    = vault.NewRecordType(vault.KindUserKey, 1, func(d *pvUserData) string { return d.Name }, nil)
	entryRecords   = vault.NewRecordType(vault.KindEntry, 1, func(d *pvEntryData) string { return pvEntryKeyOf(d.Token, d.Reference) }, func(d *pvEntryData) string { return d.Token })
	captureRecords = vault.NewRecordType(vault.KindCaptureEndpoint, 1, nil, func(d *pvCaptureData) string { return d.UserID })
)

// Limits of the PCI Vault domain.
const (
	// MaxData is the largest JSON object stored or posted at once, in bytes.
	MaxData = 256 << 10
	// MaxEntrySize bounds an entry's stored plaintext, all merges included.
	MaxEntrySize = 1 << 20
	// MaxMerges bounds how many merges an entry takes on top of the data
	// first stored before it must be stored again in full.
	MaxMerges = 64
	// MinPassphrase is the shortest passphrase accepted, in characters.
	MinPassphrase = 16
	// MaxPassphrase is the longest passphrase accepted, in bytes.
	MaxPassphrase = 1024
	// MaxUserLen is the longest user (key name), in bytes.
	MaxUserLen = 128
	// MaxCaptureTTL is the longest capture endpoint lifetime; 0 means
	// the endpoint never expires.
	MaxCaptureTTL = 10 * 365 * 24 * time.Hour
	// DefaultCaptureTTL is the lifetime of an endpoint created without one.
	DefaultCaptureTTL = 24 * time.Hour
	// LockedTTLAdvice is the longest lifetime seed 001 recommends for an
	// endpoint locked down to one stored card; a longer one (or one that
	// never expires) is created with a warning.
	LockedTTLAdvice = 24 * time.Hour
	// MaxRefusedMerges is how many merges a locked-down endpoint refuses
	// because their card number is not the stored one before it deletes
	// itself: the bound on guesses of the stored number its secret allows.
	MaxRefusedMerges = 3
)

// Options tune a Service; the zero value of each field picks a
// production default.
type Options struct {
	// KDF returns the Argon2id parameters (with a fresh salt) for wrapping a
	// user's private key; default seal.DefaultKDFParams. Tests pass
	// seal.TestKDFParams.
	KDF func() seal.KDFParams
	// UnlockCacheTTL is how long an unlocked user key is kept in memory to
	// spare repeated Argon2id runs; default one minute; negative disables
	// the cache.
	UnlockCacheTTL time.Duration
	// UnlockCacheSize bounds how many unlocked keys are kept; default 256.
	UnlockCacheSize int
	// DataKeyCacheSize bounds how many entry data keys, opened while their
	// user key is unlocked, are kept for the rest of that unlock window so
	// that a second read skips the HPKE open; default 4096; negative (or a
	// negative UnlockCacheTTL) keeps none.
	DataKeyCacheSize int
	// UserRecheck bounds how long a reveal trusts a user key record that an
	// earlier unlock on this node read, instead of reading it again; default
	// DefaultUserRecheck; negative (or a negative UnlockCacheTTL) reads it
	// on every reveal. It is the time another node's passphrase change
	// takes to refuse the old passphrase here (see pvUnlockedUsers).
	UserRecheck time.Duration
	// MaxUnlocks bounds how many Argon2id runs (64 MiB each by default)
	// happen at once; default 2.
	MaxUnlocks int
	// MaxUnlockWaiters bounds how many requests wait for an Argon2id run
	// when all MaxUnlocks are busy; default 16. Further requests fail at
	// once with ErrBusy.
	MaxUnlockWaiters int
	// MaxCaptures, when positive, bounds how many captures (stores or
	// merges) one capture endpoint takes in its lifetime; further posts
	// answer ErrCaptureLimit. Zero (the default, as PCI Vault has it: an
	// endpoint takes posts until it is deleted or expires) sets no bound;
	// the server's rate limits protect endpoints instead.
	MaxCaptures int
}

// Service is the domain of PCI Vault's API: passphrase-protected user keys,
// entries sealed to them, and capture endpoints that seal without the
// passphrase. It is built on the vault.Service's records and safe for concurrent use.
type Service struct {
	s     *vault.Service
	kdf   func() seal.KDFParams
	cache *pvUnlockCache
	// dataKeys keeps opened entry data keys for their unlock window.
	dataKeys *pvDataKeys
	// keyOpens counts data keys opened with HPKE, unlockRuns Argon2id
	// runs of unlock (for tests).
	keyOpens, unlockRuns atomic.Int64
	slots                *pvSlots
	// users keeps, per user, the record and key of its last unlock, so
	// that reveals within the window skip the record read.
	users *pvUnlockedUsers
	// renewals renews busy keys' unlock windows ahead of their end.
	renewals pvRenewals
	// flights coalesces concurrent unlocks with one passphrase.
	flights pvFlights
	// maxCaptures is Options.MaxCaptures; 0 sets no bound.
	maxCaptures int
}

// New returns the PCI Vault domain over s.
func New(s *vault.Service, o Options) *Service {
	if o.KDF == nil {
		o.KDF = seal.DefaultKDFParams
	}
	if o.UnlockCacheTTL == 0 {
		o.UnlockCacheTTL = time.Minute
	}
	if o.UnlockCacheSize <= 0 {
		o.UnlockCacheSize = 256
	}
	if o.DataKeyCacheSize == 0 {
		o.DataKeyCacheSize = 4096
	}
	if o.UserRecheck == 0 {
		o.UserRecheck = DefaultUserRecheck
	}
	if o.UnlockCacheTTL < 0 {
		o.DataKeyCacheSize = -1
		o.UserRecheck = -1
	}
	if o.MaxUnlocks <= 0 {
		o.MaxUnlocks = 2
	}
	if o.MaxUnlockWaiters <= 0 {
		o.MaxUnlockWaiters = 16
	}
	if o.MaxCaptures < 0 {
		o.MaxCaptures = 0
	}
	return &Service{s: s, kdf: o.KDF, cache: newPVUnlockCache(o.UnlockCacheTTL, o.UnlockCacheSize),
		dataKeys: newPVDataKeys(o.DataKeyCacheSize), users: newPVUnlockedUsers(o.UserRecheck, o.UnlockCacheSize),
		slots: newPVSlots(o.MaxUnlocks, o.MaxUnlockWaiters), maxCaptures: o.MaxCaptures}
}

// EntryRef names a stored entry the way PCI Vault answers a store.
type EntryRef struct {
	User      string
	Token     string
	Reference string
}

// pvSum returns the tenant's keyed hash of value in domain.
func (p *Service) pvSum(ctx context.Context, tenant, domain, value string) (string, error) {
	return p.s.MAC(ctx, tenant, domain, value)
}

// pvRandomToken returns 64 lowercase hex characters of fresh randomness.
func pvRandomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("vault: crypto/rand failed: " + err.Error())
	}
	return fmt.Sprintf("%x", b[:])
}

// pvRetry runs fn again while it fails with a bare store conflict (an
// optimistic update lost a race), ten times at most. Domain conflicts,
// already an *vault.Error, are final.
func pvRetry(fn func() error) error { return vault.RetryLostRaces(10, fn) }
