package vault

import (
	"fmt"
	"slices"
	"strings"
)

// Scope is a permission carried by an API key.
type Scope string

// The scopes an API key can carry.
const (
	// ScopeCardsWrite allows storing and deleting card data.
	ScopeCardsWrite Scope = "cards:write"
	// ScopeCardsRead allows reading masked card data.
	ScopeCardsRead Scope = "cards:read"
	// ScopeCardsReveal allows reading card data in the clear; every use is audited.
	ScopeCardsReveal Scope = "cards:reveal"
	// ScopeForward allows relaying card data to a payment provider.
	ScopeForward Scope = "forward"
	// ScopeWebhooks allows managing the tenant's webhook endpoints and
	// reading their deliveries, and nothing else; admin holds it.
	ScopeWebhooks Scope = "webhooks"
	// ScopeAdmin allows everything within the key's own tenant, including
	// managing its keys; it does not include ScopePlatformAdmin.
	ScopeAdmin Scope = "admin"
	// ScopePlatformAdmin allows managing every tenant (list, create,
	// disable, keys for another tenant): the operator's scope, held by the
	// bootstrap key. Only a holder of it can grant it.
	ScopePlatformAdmin Scope = "platform:admin"
)

// AllScopes lists every scope in a stable order.
var AllScopes = []Scope{ScopeCardsWrite, ScopeCardsRead, ScopeCardsReveal, ScopeForward, ScopeWebhooks, ScopeAdmin, ScopePlatformAdmin}

// ParseScopes parses a comma- or space-separated list of scopes, rejecting
// unknown names and removing duplicates.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		sc := Scope(f)
		if !slices.Contains(AllScopes, sc) {
			return nil, Invalid("scopes", "unknown scope %q (known: %s)", f, JoinScopes(AllScopes))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, Invalid("scopes", "at least one scope is required")
	}
	return out, nil
}

// JoinScopes renders scopes comma-separated, the form ParseScopes reads
// and the stores keep.
func JoinScopes(ss []Scope) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}

// Principal is the authenticated caller of a request.
type Principal struct {
	Tenant string
	KeyID  string
	Scopes []Scope
}

// Can reports whether the principal holds scope s; admin holds every scope
// of its tenant but not ScopePlatformAdmin, which only itself grants.
func (p Principal) Can(s Scope) bool {
	if s == ScopePlatformAdmin {
		return slices.Contains(p.Scopes, s)
	}
	return slices.Contains(p.Scopes, s) || slices.Contains(p.Scopes, ScopeAdmin)
}

// CanGrant returns a forbidden error when scopes include ScopePlatformAdmin
// and the principal does not hold it: a tenant admin cannot make a key
// above itself.
func (p Principal) CanGrant(scopes []Scope) error {
	if slices.Contains(scopes, ScopePlatformAdmin) && !p.Can(ScopePlatformAdmin) {
		return &Error{Code: CodeForbidden, Public: fmt.Sprintf("only a key with the %q scope can grant it", ScopePlatformAdmin)}
	}
	return nil
}

// Require returns a forbidden error unless the principal holds scope s.
func (p Principal) Require(s Scope) error {
	if p.Can(s) {
		return nil
	}
	return &Error{Code: CodeForbidden, Public: fmt.Sprintf("this API key lacks the %q scope", s)}
}

// SplitScopes reverses JoinScopes without checking the names (they were
// checked when stored); "" is no scopes (nil).
func SplitScopes(s string) []Scope {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]Scope, len(parts))
	for i, p := range parts {
		out[i] = Scope(p)
	}
	return out
}
