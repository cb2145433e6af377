package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

// secretPrefix starts every generated API key, so secret scanners can find leaked ones.
const secretPrefix = "cvk_"

// MinBootstrapKeyLen is the shortest bootstrap key accepted.
const MinBootstrapKeyLen = 32

// NewAPIKey describes a key to create.
type NewAPIKey struct {
	Tenant string
	Name   string
	Scopes []Scope
	// ExpiresAt, when not zero, is when the key stops working.
	ExpiresAt time.Time
}

// CreateAPIKey makes a key and returns it with its secret. The secret is
// shown only here: the store keeps its hash.
func (s *Service) CreateAPIKey(ctx context.Context, in NewAPIKey) (APIKey, string, error) {
	if len(in.Scopes) == 0 {
		return APIKey{}, "", Invalid("scopes", "at least one scope is required")
	}
	if len(in.Name) > 100 {
		return APIKey{}, "", Invalid("name", "name must be at most 100 characters")
	}
	now := s.Now()
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		return APIKey{}, "", Invalid("expires_at", "expiry must be in the future")
	}
	if _, err := s.store.GetTenant(ctx, in.Tenant); err != nil {
		return APIKey{}, "", AsError(err)
	}
	secret := secretPrefix + seal.NewSecret()
	k := APIKey{ID: "key_" + seal.RandomID(20), Tenant: in.Tenant, Name: in.Name, Scopes: in.Scopes,
		Hash: seal.HashSecret(secret), CreatedAt: now, ExpiresAt: in.ExpiresAt.UTC().Truncate(time.Microsecond)}
	if err := s.store.CreateAPIKey(ctx, k); err != nil {
		return APIKey{}, "", err
	}
	return k, secret, nil
}

// bootstrapIDPrefix starts the id of every bootstrap key; ids are covered
// by the key's integrity tag, so the store cannot make a key pass for one.
const bootstrapIDPrefix = "key_bootstrap_"

// EnsureBootstrapKey makes sure an admin and platform:admin key of the default tenant with
// exactly this secret exists (it is created on first use and kept after),
// and that it is the only live bootstrap key: one made from an earlier
// value is revoked, so changing the value replaces the key. A value whose
// key was revoked is refused with the way out.
func (s *Service) EnsureBootstrapKey(ctx context.Context, secret string) error {
	if len(secret) < MinBootstrapKeyLen {
		return Invalid("bootstrap_api_key", "the bootstrap API key must be at least %d characters", MinBootstrapKeyLen)
	}
	hash := seal.HashSecret(secret)
	k, err := s.store.APIKeyByHash(ctx, hash)
	switch {
	case err == nil && k.RevokedAt.IsZero():
		return s.revokeOtherBootstrapKeys(ctx, k.ID)
	case err == nil:
		return Errorf(CodeConflict, "the bootstrap API key %s was revoked, so this value can never work again: "+
			"set CARDVAULT_BOOTSTRAP_API_KEY to a new value (head -c 32 /dev/urandom | base64) or unset it", k.ID)
	case !errors.Is(err, ErrNotFound):
		return err
	}
	sum := sha256.Sum256(hash)
	k = APIKey{ID: bootstrapIDPrefix + hex.EncodeToString(sum[:6]), Tenant: DefaultTenant, Name: "bootstrap",
		Scopes: []Scope{ScopeAdmin, ScopePlatformAdmin}, Hash: hash, CreatedAt: s.Now()}
	if err := s.store.CreateAPIKey(ctx, k); err != nil && !errors.Is(err, ErrConflict) {
		return err
	}
	return s.revokeOtherBootstrapKeys(ctx, k.ID)
}

// revokeOtherBootstrapKeys revokes every live bootstrap key but keep.
func (s *Service) revokeOtherBootstrapKeys(ctx context.Context, keep string) error {
	var stale []string
	for after := ""; ; {
		page, err := s.store.ListAPIKeys(ctx, DefaultTenant, Page{After: after, Limit: 500})
		if err != nil {
			return err
		}
		for _, k := range page {
			if strings.HasPrefix(k.ID, bootstrapIDPrefix) && k.ID != keep && k.RevokedAt.IsZero() {
				stale = append(stale, k.ID)
			}
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID
	}
	for _, id := range stale {
		if err := s.store.RevokeAPIKey(ctx, DefaultTenant, id, s.Now(), nil, nil); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		s.log.Warn("revoked the previous bootstrap API key: CARDVAULT_BOOTSTRAP_API_KEY changed", "key", id)
	}
	return nil
}

// errBadKey is the one answer to every unusable credential, so a caller
// cannot tell unknown, revoked and expired keys apart.
var errBadKey = &Error{Code: CodeUnauthorized, Public: "missing or invalid API key"}

// Authenticate returns the principal of a live API key secret.
func (s *Service) Authenticate(ctx context.Context, secret string) (Principal, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" || len(secret) > 512 {
		return Principal{}, errBadKey
	}
	k, err := s.store.APIKeyByHash(ctx, seal.HashSecret(secret))
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrIntegrity) {
		// A row that fails its integrity check (logged and reported by the
		// store wrapper) is never trusted: the caller sees an unknown key.
		return Principal{}, errBadKey
	}
	if err != nil {
		return Principal{}, err
	}
	now := s.Now()
	if !seal.VerifySecret(secret, k.Hash) || !k.RevokedAt.IsZero() || (!k.ExpiresAt.IsZero() && !k.ExpiresAt.After(now)) ||
		s.guard.isSuspended(k.ID) {
		return Principal{}, errBadKey
	}
	if disabled, err := s.tenantDisabled(ctx, k.Tenant); err != nil {
		return Principal{}, err
	} else if disabled {
		return Principal{}, errBadKey
	}
	scopes := k.Scopes
	if strings.HasPrefix(k.ID, bootstrapIDPrefix) && k.Tenant == DefaultTenant && !slices.Contains(scopes, ScopePlatformAdmin) {
		// A bootstrap key made before platform:admin existed is still the
		// operator's root key (its id is covered by its integrity tag).
		scopes = append(slices.Clip(scopes), ScopePlatformAdmin)
	}
	s.noteKeyUse(ctx, k, now)
	return Principal{Tenant: k.Tenant, KeyID: k.ID, Scopes: scopes}, nil
}

// ListAPIKeys pages through a tenant's keys (hashes included; callers never show them).
func (s *Service) ListAPIKeys(ctx context.Context, tenant string, p Page) ([]APIKey, error) {
	return s.store.ListAPIKeys(ctx, tenant, p)
}

// GetAPIKey returns one of a tenant's keys.
func (s *Service) GetAPIKey(ctx context.Context, tenant, id string) (APIKey, error) {
	k, err := s.store.GetAPIKey(ctx, tenant, id)
	return k, domainErr(err)
}

// RevokeAPIKey stops a key from working at once.
func (s *Service) RevokeAPIKey(ctx context.Context, tenant, id string) error {
	return domainErr(s.store.RevokeAPIKey(ctx, tenant, id, s.Now(), nil, nil))
}
