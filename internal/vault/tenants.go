package vault

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

// tenantIDPattern is what a tenant id may look like.
var tenantIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// keyCache holds every loaded tenant's keys.
type keyCache struct {
	mu      sync.Mutex
	tenants map[string]*tenantKeys
}

// tenantKeys is a tenant's unwrapped key material, cached in memory.
type tenantKeys struct {
	sealer *seal.Sealer
	index  seal.IndexKey
	// versions are the data key versions held, newest first; loaded is
	// when they were last compared with the store.
	versions []uint32
	loaded   time.Time
}

// CreateTenant creates a tenant with its first data key and its index key,
// all in one transaction. An existing id is a conflict.
func (s *Service) CreateTenant(ctx context.Context, id, name string) (Tenant, error) {
	if !tenantIDPattern.MatchString(id) {
		return Tenant{}, Invalid("tenant", "tenant id must be 1-63 lowercase letters, digits, '-' or '_'")
	}
	t := Tenant{ID: id, Name: name, CreatedAt: s.Now()}
	dk := seal.NewDataKey(1)
	wrappedDK, err := s.keyring.WrapDataKey(id, dk)
	if err != nil {
		return Tenant{}, err
	}
	ik := seal.NewIndexKey()
	wrappedIK, err := s.keyring.WrapIndexKey(id, ik)
	if err != nil {
		return Tenant{}, err
	}
	err = s.store.Tx(ctx, func(tx Store) error {
		if err := tx.CreateTenant(ctx, t); err != nil {
			return err
		}
		if err := tx.InsertKey(ctx, WrappedKey{Tenant: id, Purpose: PurposeData, Version: dk.Version, Wrapped: wrappedDK, CreatedAt: t.CreatedAt}); err != nil {
			return err
		}
		return tx.InsertKey(ctx, WrappedKey{Tenant: id, Purpose: PurposeIndex, Version: 1, Wrapped: wrappedIK, CreatedAt: t.CreatedAt})
	})
	if errors.Is(err, ErrConflict) {
		return Tenant{}, &Error{Code: CodeConflict, Public: "tenant already exists", Err: err}
	}
	return t, err
}

// keysFor returns the tenant's unwrapped keys, loading them once and
// looking for new data key versions every Options.KeyRefresh: a version
// added by `cardvault rotate data` on any node is used for new writes
// everywhere within that time. If that look fails
// (the store or the master key's provider is briefly away, or this node
// still runs with only the previous master key during a rotation) the
// cached keys keep serving.
func (s *Service) keysFor(ctx context.Context, tenant string) (*tenantKeys, error) {
	s.keys.mu.Lock()
	tk, ok := s.keys.tenants[tenant]
	s.keys.mu.Unlock()
	if ok && s.now().Sub(tk.loaded) < s.refresh {
		return tk, nil
	}
	fresh, err := s.loadKeys(ctx, tenant, tk)
	if err != nil {
		if ok {
			s.log.Warn("reloading tenant keys failed; the cached ones keep serving", "tenant", tenant, "err", err)
			return tk, nil
		}
		return nil, err
	}
	s.keys.mu.Lock()
	s.keys.tenants[tenant] = fresh
	s.keys.mu.Unlock()
	return fresh, nil
}

// forgetKeys makes the next keysFor of the tenant reload from the store.
func (s *Service) forgetKeys(tenant string) {
	s.keys.mu.Lock()
	delete(s.keys.tenants, tenant)
	s.keys.mu.Unlock()
}

// loadKeys reads and unwraps a tenant's keys; when the data key versions
// are those of cached, it keeps cached's keys and only renews its time.
func (s *Service) loadKeys(ctx context.Context, tenant string, cached *tenantKeys) (*tenantKeys, error) {
	dataKeys, err := s.store.ListKeys(ctx, tenant, PurposeData)
	if err != nil {
		return nil, fmt.Errorf("load data keys: %w", err)
	}
	if len(dataKeys) == 0 {
		return nil, &Error{Code: CodeNotFound, Public: "unknown tenant"}
	}
	versions := make([]uint32, len(dataKeys))
	for i, w := range dataKeys {
		versions[i] = w.Version
	}
	if cached != nil && slices.Equal(versions, cached.versions) {
		renewed := *cached
		renewed.loaded = s.now()
		return &renewed, nil
	}
	var dks []seal.DataKey
	for _, w := range dataKeys {
		dk, err := s.keyring.UnwrapDataKey(tenant, w.Version, w.Wrapped)
		if err != nil {
			return nil, fmt.Errorf("unwrap data key v%d of tenant %q: %w", w.Version, tenant, err)
		}
		dks = append(dks, dk)
	}
	indexKeys, err := s.store.ListKeys(ctx, tenant, PurposeIndex)
	if err != nil || len(indexKeys) == 0 {
		return nil, fmt.Errorf("load index key of tenant %q: %w", tenant, errors.Join(err, ErrNotFound))
	}
	ik, err := s.keyring.UnwrapIndexKey(tenant, indexKeys[0].Wrapped)
	if err != nil {
		return nil, fmt.Errorf("unwrap index key of tenant %q: %w", tenant, err)
	}
	return &tenantKeys{sealer: seal.NewSealer(dks[0], dks[1:]...), index: ik, versions: versions, loaded: s.now()}, nil
}

// Fingerprint returns the tenant's blind index of a card number (digits
// only), equal for equal numbers and useless without the tenant's key.
func (s *Service) Fingerprint(ctx context.Context, tenant, digits string) (string, error) {
	tk, err := s.keysFor(ctx, tenant)
	if err != nil {
		return "", err
	}
	return tk.index.Fingerprint(digits), nil
}

// Seal encrypts a field of a record of the tenant under the tenant's current data key.
func (s *Service) Seal(ctx context.Context, tenant, record, field string, plaintext []byte) ([]byte, error) {
	tk, err := s.keysFor(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return tk.sealer.Seal(plaintext, seal.AAD{Tenant: tenant, Record: record, Field: field})
}

// Open decrypts what Seal produced for the same tenant, record and field.
// A ciphertext under a data key version this node has not loaded yet (just
// added by a rotation on another node) makes it reload the tenant's keys
// once and try again.
func (s *Service) Open(ctx context.Context, tenant, record, field string, blob []byte) ([]byte, error) {
	tk, err := s.keysFor(ctx, tenant)
	if err != nil {
		return nil, err
	}
	aad := seal.AAD{Tenant: tenant, Record: record, Field: field}
	pt, err := tk.sealer.Open(blob, aad)
	if errors.Is(err, seal.ErrUnknownKeyVersion) {
		s.forgetKeys(tenant)
		if tk, err = s.keysFor(ctx, tenant); err != nil {
			return nil, err
		}
		return tk.sealer.Open(blob, aad)
	}
	return pt, err
}

// MAC returns a keyed hash (HMAC-SHA256, hex) of value under the tenant's
// index key, separated by domain from fingerprints and every other use.
func (s *Service) MAC(ctx context.Context, tenant, domain, value string) (string, error) {
	tk, err := s.keysFor(ctx, tenant)
	if err != nil {
		return "", err
	}
	return tk.index.Sum(domain, value), nil
}

// ListTenants pages through tenants in id order.
func (s *Service) ListTenants(ctx context.Context, p Page) ([]Tenant, error) {
	return s.store.ListTenants(ctx, p)
}

// DisableTenant stops every API key of the tenant: on this node at once
// (after the commit, in a Tx), on every other node within its
// Options.TenantCacheTTL (tenantstate.go). Its data stays.
func (s *Service) DisableTenant(ctx context.Context, id string) error {
	err := s.store.DisableTenant(ctx, id, s.Now(), nil, nil)
	s.forgetTenant(id)
	return domainErr(err)
}

// TenantDisabled reports whether the tenant is disabled, unknown or its
// row fails its integrity check: for the browser's calls, whose credential
// (a session or form id) finds a record whatever its tenant, and which
// must stop when the tenant's keys do. An error reading it (the store
// unreachable) is returned.
func (s *Service) TenantDisabled(ctx context.Context, id string) (bool, error) {
	return s.tenantDisabled(ctx, id)
}
