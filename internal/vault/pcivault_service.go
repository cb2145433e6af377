package vault

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

// Record kinds of the PCI Vault domain.
//
// A user key ("key" in PCI Vault's words) is a pcivault_user record whose Key
// is the user name. An entry (data stored under a key) is a pcivault_entry
// record whose id starts with its user record's id (so a user's entries are
// one id range), whose Key is "token:reference" (unique per tenant, because
// tokens are derived per user) and whose Parent is the token (so "every entry
// of a token" is one group). A capture endpoint is a pcivault_capture record
// whose id is the endpoint's unique id, vault-wide, and whose Parent is its
// user record's id.
const (
	PCIKindUser    = "pcivault_user"
	PCIKindEntry   = "pcivault_entry"
	PCIKindCapture = "pcivault_capture"
)

// Limits of the PCI Vault domain.
const (
	// PCIMaxData is the largest JSON object stored or posted at once, in bytes.
	PCIMaxData = 256 << 10
	// PCIMaxEntrySize bounds an entry's stored plaintext, all merges included.
	PCIMaxEntrySize = 1 << 20
	// PCIMaxLayers bounds how many merges an entry keeps before it must be
	// stored again in full.
	PCIMaxLayers = 64
	// PCIMinPassphrase is the shortest passphrase accepted, in characters.
	PCIMinPassphrase = 16
	// PCIMaxPassphrase is the longest passphrase accepted, in bytes.
	PCIMaxPassphrase = 1024
	// PCIMaxUserLen is the longest user (key name), in bytes.
	PCIMaxUserLen = 128
	// PCIMaxCaptureTTL is the longest capture endpoint lifetime; 0 means
	// the endpoint never expires.
	PCIMaxCaptureTTL = 10 * 365 * 24 * time.Hour
	// PCIDefaultCaptureTTL is the lifetime of an endpoint created without one.
	PCIDefaultCaptureTTL = 24 * time.Hour
	// PCIMaxRefusedMerges is how many merges a locked-down endpoint refuses
	// because their card number is not the stored one before it deletes
	// itself: the bound on guesses of the stored number its secret allows.
	PCIMaxRefusedMerges = 3
)

// PCIVaultOptions tune a PCIVault; the zero value of each field picks a
// production default.
type PCIVaultOptions struct {
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
	// MaxUnlocks bounds how many Argon2id runs (64 MiB each by default)
	// happen at once; default 2.
	MaxUnlocks int
	// MaxUnlockWaiters bounds how many requests wait for an Argon2id run
	// when all MaxUnlocks are busy; default 16. Further requests fail at
	// once with ErrPCIBusy.
	MaxUnlockWaiters int
	// MaxCaptures bounds how many captures (stores or merges) one capture
	// endpoint takes in its lifetime; default 100. Further posts answer
	// ErrPCICaptureLimit.
	MaxCaptures int
}

// PCIVault is the domain of PCI Vault's API: passphrase-protected user keys,
// entries sealed to them, and capture endpoints that seal without the
// passphrase. It is built on the Service's records and safe for concurrent use.
type PCIVault struct {
	s     *Service
	kdf   func() seal.KDFParams
	cache *pvUnlockCache
	slots *pvSlots
	// maxCaptures is PCIVaultOptions.MaxCaptures.
	maxCaptures int
}

// NewPCIVault returns the PCI Vault domain over s.
func NewPCIVault(s *Service, o PCIVaultOptions) *PCIVault {
	if o.KDF == nil {
		o.KDF = seal.DefaultKDFParams
	}
	if o.UnlockCacheTTL == 0 {
		o.UnlockCacheTTL = time.Minute
	}
	if o.UnlockCacheSize <= 0 {
		o.UnlockCacheSize = 256
	}
	if o.MaxUnlocks <= 0 {
		o.MaxUnlocks = 2
	}
	if o.MaxUnlockWaiters <= 0 {
		o.MaxUnlockWaiters = 16
	}
	if o.MaxCaptures <= 0 {
		o.MaxCaptures = 100
	}
	return &PCIVault{s: s, kdf: o.KDF, cache: newPVUnlockCache(o.UnlockCacheTTL, o.UnlockCacheSize),
		slots: newPVSlots(o.MaxUnlocks, o.MaxUnlockWaiters), maxCaptures: o.MaxCaptures}
}

// PCIEntryRef names a stored entry the way PCI Vault answers a store.
type PCIEntryRef struct {
	User      string
	Token     string
	Reference string
}

// pvSum returns the tenant's keyed hash of value in domain.
func (p *PCIVault) pvSum(ctx context.Context, tenant, domain, value string) (string, error) {
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

// pvDecode reads a record's Data into v; a failure means a corrupt record.
func pvDecode(r Record, v any) error {
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("decode %s record %s: %w", r.Kind, r.ID, err)
	}
	return nil
}

// pvRetry runs fn again while it fails with a bare store conflict (an
// optimistic update lost a race), ten times at most. Domain conflicts,
// already an *Error, are final.
func pvRetry(fn func() error) error {
	var err error
	for range 10 {
		var e *Error
		if err = fn(); !errors.Is(err, ErrConflict) || errors.As(err, &e) {
			return err
		}
	}
	return err
}
