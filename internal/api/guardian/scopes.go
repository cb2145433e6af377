package guardian

import (
	"slices"

	"github.com/cardvault/cardvault/internal/vault"
)

// Guardian names its scopes per operation; cardvault's are coarser. Each
// Guardian scope grants the cardvault scope that covers it, and a key's
// scopes read back as every Guardian scope its cardvault scopes cover.
// cardvault's own scope names are accepted as they are.
var scopeMap = map[string]vault.Scope{
	"admin:api-keys:create":   vault.ScopeAdmin,
	"admin:api-keys:read":     vault.ScopeAdmin,
	"admin:api-keys:update":   vault.ScopeAdmin,
	"admin:api-keys:delete":   vault.ScopeAdmin,
	"admin:webhooks:create":   vault.ScopeAdmin,
	"admin:webhooks:read":     vault.ScopeAdmin,
	"admin:webhooks:delete":   vault.ScopeAdmin,
	"pci:tokens:create":       vault.ScopeCardsWrite,
	"pci:tokens:update":       vault.ScopeCardsWrite,
	"pci:tokens:delete":       vault.ScopeCardsWrite,
	"pci:tokens:read":         vault.ScopeCardsRead,
	"pci:tokens:forward":      vault.ScopeForward,
	"metadata:inquiry:create": vault.ScopeCardsRead,
}

// guardianScopes lists, per cardvault scope, the Guardian scopes it covers,
// in the order they are shown.
var guardianScopes = map[vault.Scope][]string{
	vault.ScopeAdmin: {"admin:api-keys:create", "admin:api-keys:read", "admin:api-keys:update", "admin:api-keys:delete",
		"admin:webhooks:create", "admin:webhooks:read", "admin:webhooks:delete"},
	vault.ScopeCardsWrite:  {"pci:tokens:create", "pci:tokens:update", "pci:tokens:delete"},
	vault.ScopeCardsRead:   {"pci:tokens:read", "metadata:inquiry:create"},
	vault.ScopeForward:     {"pci:tokens:forward"},
	vault.ScopeCardsReveal: {string(vault.ScopeCardsReveal)},
}

// parseScopes maps requested scope names to cardvault scopes, refusing
// unknown names (network-token scopes among them: cardvault has none).
func parseScopes(names []string) ([]vault.Scope, error) {
	if len(names) == 0 {
		return nil, badRequest("scopes", "scopes must list at least one scope")
	}
	var out []vault.Scope
	for _, n := range names {
		s, ok := scopeMap[n]
		if !ok && slices.Contains(vault.AllScopes, vault.Scope(n)) {
			s, ok = vault.Scope(n), true
		}
		if !ok {
			return nil, badRequest("scopes", "unknown or unsupported scope %q", clip(n))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// showScopes names a key's scopes in Guardian's terms.
func showScopes(ss []vault.Scope) []string {
	out := []string{}
	for _, s := range vault.AllScopes {
		if slices.Contains(ss, s) {
			out = append(out, guardianScopes[s]...)
		}
	}
	return out
}
