package vault

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

// metaCheck names the sealed check value that proves the master key matches.
const metaCheck = "master_key_check"

// Options tune a Service; the zero value of each field picks a default.
type Options struct {
	// Now returns the current time; default time.Now.
	Now func() time.Time
	// Logger receives operational messages; default slog.Default().
	Logger *slog.Logger
	// SecurityCodeTTL is how long a security code is held; default 2 h.
	SecurityCodeTTL time.Duration
	// KeyRefresh is how often a tenant's data key versions are looked up
	// again, so that a version added by a rotation is used for new writes;
	// default 1 min.
	KeyRefresh time.Duration
	// TenantCacheTTL is how long a node reuses a tenant's checked state
	// (enabled or disabled) read from the store: a tenant disabled on
	// another node still works here at most this long (tenantstate.go).
	// Zero means DefaultTenantCacheTTL; negative turns the cache off.
	TenantCacheTTL time.Duration
	// Enumeration configures the guard that suspends keys searching for
	// card numbers (enumeration.go).
	Enumeration EnumerationLimits
}

// Service is the vault core. It is safe for concurrent use.
type Service struct {
	store   Store
	keyring *seal.Keyring
	now     func() time.Time
	log     *slog.Logger
	cvvTTL  time.Duration
	refresh time.Duration
	// keys, guard and notices are shared by every copy Tx makes, so a
	// Service holds no mutable state by value.
	keys    *keyCache
	guard   *enumGuard
	notices *noticeHook
	lastUse *lastUse
	// tenantStates caches whether tenants are disabled (tenantstate.go).
	tenantStates *tenantStates
	// forgetAfterTx, inside a Tx, collects the tenants to forget again
	// once the transaction is over.
	forgetAfterTx *[]string
	// base is the store outside any transaction; inTx says s runs in one.
	base Store
	inTx bool
}

// New returns a Service over store, sealing with keys from keyring. Call
// Init before serving requests.
func New(store Store, keyring *seal.Keyring, o Options) *Service {
	s := &Service{store: store, keyring: keyring, now: o.Now, log: o.Logger, cvvTTL: o.SecurityCodeTTL,
		keys: &keyCache{tenants: map[string]*tenantKeys{}}, guard: newEnumGuard(o.Enumeration), notices: &noticeHook{}, lastUse: newLastUse()}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.cvvTTL <= 0 {
		s.cvvTTL = 2 * time.Hour
	}
	if s.refresh = o.KeyRefresh; s.refresh <= 0 {
		s.refresh = time.Minute
	}
	ttl := o.TenantCacheTTL
	if ttl == 0 {
		ttl = DefaultTenantCacheTTL
	}
	s.tenantStates = newTenantStates(ttl, s.now) // a negative ttl keeps nothing

	s.store = withIntegrity(store, keyring, s.log) // integrity.go: tags on API keys and cards
	s.base = s.store
	return s
}

// Now returns the service's current time, truncated to microseconds (the
// precision every store keeps).
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Store returns the store the service runs on, for packages that keep a
// record layout of their own (the audit log); domains use RecordType.
func (s *Service) Store() Store { return s.store }

// Tx runs fn in one store transaction with a Service whose every call goes
// through it: what fn writes through tx (records, cards, security codes) is
// committed together, or nothing is when fn returns an error. Calling Tx on
// tx joins the same transaction.
func (s *Service) Tx(ctx context.Context, fn func(tx *Service) error) error {
	if s.inTx {
		return s.store.Tx(ctx, func(st Store) error { return fn(s.on(st)) })
	}
	var forget []string
	defer func() {
		for _, id := range forget {
			s.tenantStates.Forget(id)
		}
	}()
	return s.store.Tx(ctx, func(st Store) error {
		tx := s.on(st)
		tx.forgetAfterTx = &forget
		return fn(tx)
	})
}

// on returns a copy of s whose calls go through st (a transaction).
func (s *Service) on(st Store) *Service {
	c := *s
	c.store, c.inTx = st, true
	return &c
}

// Init verifies that the master key matches the store (recording a check
// value on first start) and makes sure the default tenant exists. A wrong
// master key fails with seal.ErrWrongMasterKey before anything is written.
func (s *Service) Init(ctx context.Context) error {
	check, err := s.store.GetMeta(ctx, metaCheck)
	if errors.Is(err, ErrNotFound) {
		if check, err = s.keyring.NewCheck(); err != nil {
			return err
		}
		err = s.store.InsertMeta(ctx, metaCheck, check)
		if errors.Is(err, ErrConflict) { // another node won the race
			check, err = s.store.GetMeta(ctx, metaCheck)
		}
	}
	if err != nil {
		return fmt.Errorf("read master key check: %w", err)
	}
	if err := s.keyring.VerifyCheck(check); err != nil {
		return err
	}
	if err := s.useIntegritySeed(ctx); err != nil {
		return err
	}
	if err := s.tagUntaggedTenants(ctx); err != nil { // integrity_tenants.go
		return err
	}
	if _, err := s.CreateTenant(ctx, DefaultTenant, "Default tenant"); err != nil && CodeOf(err) != CodeConflict {
		return fmt.Errorf("create default tenant: %w", err)
	}
	return nil
}

// Ready reports whether the store is reachable and keys are loaded.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return err
	}
	_, err := s.keysFor(ctx, DefaultTenant)
	return err
}
