package vault

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// ErrKeyRevoked is wrapped by the error UpdateAPIKey returns for a revoked
// key: a revoked key stays as it was revoked.
var ErrKeyRevoked = errors.New("vault: the API key is revoked")

// APIKeyChange is what UpdateAPIKey changes; a nil field is kept as it is.
type APIKeyChange struct {
	// Name, when not nil, is the key's new name (at most 100 characters).
	Name *string
	// Scopes, when not nil, are the key's new scopes: at least one, each
	// known; they are kept once each, in AllScopes order.
	Scopes []Scope
}

// UpdateAPIKey changes the name or scopes of one of the caller's tenant's
// keys and returns the key as stored. Who may manage keys at all is the
// route's scope (admin); here the caller must hold every scope it grants,
// so no key is ever given more than its changer has. A revoked key is
// refused (CodeConflict wrapping ErrKeyRevoked), and so is the bootstrap
// key, whose admin scope the operator sets with CARDVAULT_BOOTSTRAP_API_KEY.
// The change lands only on the row that was read and checked: a revocation
// or another change racing it is read again, never overwritten blindly.
func (s *Service) UpdateAPIKey(ctx context.Context, by Principal, id string, c APIKeyChange) (APIKey, error) {
	if c.Name != nil && len(*c.Name) > 100 {
		return APIKey{}, Invalid("name", "name must be at most 100 characters")
	}
	var scopes []Scope
	if c.Scopes != nil {
		var err error
		if scopes, err = grantable(by, c.Scopes); err != nil {
			return APIKey{}, err
		}
	}
	for attempt := 1; ; attempt++ {
		k, err := s.store.GetAPIKey(ctx, by.Tenant, id)
		if err != nil {
			return APIKey{}, domainErr(err)
		}
		switch {
		case !k.RevokedAt.IsZero():
			return APIKey{}, &Error{Code: CodeConflict, Public: "the API key is revoked; a revoked key cannot be changed", Err: ErrKeyRevoked}
		case strings.HasPrefix(k.ID, bootstrapIDPrefix):
			return APIKey{}, Errorf(CodeConflict, "the bootstrap API key cannot be changed: CARDVAULT_BOOTSTRAP_API_KEY makes it an admin key; "+
				"create a key with the scopes you need instead")
		}
		next := k
		if c.Name != nil {
			next.Name = *c.Name
		}
		if scopes != nil {
			next.Scopes = scopes
		}
		// The row may have changed, been revoked or gone since it was read:
		// then the write does not land, and the next read says which.
		err = s.store.UpdateAPIKey(ctx, next, k.Integrity)
		switch {
		case err == nil:
			next.Integrity = nil // the new tag was made by the store wrapper; callers never need it
			return next, nil
		case !errors.Is(err, ErrConflict) && !errors.Is(err, ErrNotFound):
			return APIKey{}, domainErr(err)
		case attempt == casAttempts:
			if errors.Is(err, ErrNotFound) {
				return APIKey{}, domainErr(err)
			}
			return APIKey{}, &Error{Code: CodeConflict, Public: "the API key changed while it was being updated; retry", Err: err}
		}
	}
}

// grantable checks that scopes are known and held by the caller, and
// returns them once each, in AllScopes order.
func grantable(by Principal, scopes []Scope) ([]Scope, error) {
	if len(scopes) == 0 {
		return nil, Invalid("scopes", "at least one scope is required")
	}
	for _, sc := range scopes {
		if !slices.Contains(AllScopes, sc) {
			return nil, Invalid("scopes", "unknown scope %q (known: %s)", clipName(string(sc)), JoinScopes(AllScopes))
		}
		if !by.Can(sc) {
			return nil, Errorf(CodeForbidden, "this API key cannot grant the %q scope: it does not hold it", sc)
		}
	}
	var out []Scope
	for _, sc := range AllScopes {
		if slices.Contains(scopes, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// clipName shortens a caller-supplied name for an error message.
func clipName(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
