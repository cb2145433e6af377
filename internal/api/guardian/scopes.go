package guardian

import (
	"slices"

	"github.com/cardvault/cardvault/internal/vault"
)

// Guardian names its scopes per operation; cardvault's are coarser. Each
// Guardian scope grants the cardvault scope that covers it, and a key's
// scopes read back as every Guardian scope its cardvault scopes cover.
// cardvault's own scope names are accepted as they are.
//
// cardvault's administrative scope, admin, holds every other scope
// (revealing cards, minting keys). A Guardian admin scope is granted only
// where admin is what it asks for: admin:api-keys:create can mint a key with
// any scope, so it is worth admin already. The Guardian webhook scopes map
// to cardvault's narrow webhooks scope, which manages webhook endpoints and
// nothing else. The narrower key scopes (reading, updating or deleting
// keys) have no cardvault equivalent that stays narrow, so they are refused
// (see refusedScopes) rather than widened: an operator asking for a
// read-only key must not get one that reveals cards.
var scopeMap = map[string]vault.Scope{
	"admin:api-keys:create":   vault.ScopeAdmin,
	"pci:tokens:create":       vault.ScopeCardsWrite,
	"pci:tokens:update":       vault.ScopeCardsWrite,
	"pci:tokens:delete":       vault.ScopeCardsWrite,
	"pci:tokens:read":         vault.ScopeCardsRead,
	"pci:tokens:forward":      vault.ScopeForward,
	"metadata:inquiry:create": vault.ScopeCardsRead,
	"network:tokens:create":   vault.ScopeCardsWrite,
	"network:tokens:delete":   vault.ScopeCardsWrite,
	"network:tokens:read":     vault.ScopeCardsRead,
	"network:tokens:use":      vault.ScopeForward,
	"admin:webhooks:create":   vault.ScopeWebhooks,
	"admin:webhooks:read":     vault.ScopeWebhooks,
	"admin:webhooks:delete":   vault.ScopeWebhooks,
}

// refusedScopes are Guardian scope names that cardvault knows but cannot
// grant without granting far more (full admin); asking for one is a 400
// that says so.
var refusedScopes = []string{
	"admin:api-keys:read", "admin:api-keys:update", "admin:api-keys:delete",
}

// guardianScopes lists, per cardvault scope, the Guardian scopes it covers,
// in the order they are shown.
var guardianScopes = map[vault.Scope][]string{
	vault.ScopeAdmin: {"admin:api-keys:create", "admin:api-keys:read", "admin:api-keys:update", "admin:api-keys:delete",
		"admin:webhooks:create", "admin:webhooks:read", "admin:webhooks:delete"},
	vault.ScopeCardsWrite:  {"pci:tokens:create", "pci:tokens:update", "pci:tokens:delete", "network:tokens:create", "network:tokens:delete"},
	vault.ScopeCardsRead:   {"pci:tokens:read", "metadata:inquiry:create", "network:tokens:read"},
	vault.ScopeForward:     {"pci:tokens:forward", "network:tokens:use"},
	vault.ScopeWebhooks:    {"admin:webhooks:create", "admin:webhooks:read", "admin:webhooks:delete"},
	vault.ScopeCardsReveal: {string(vault.ScopeCardsReveal)},
}

// parseScopes maps requested scope names to cardvault scopes, refusing
// unknown names and the admin scopes that only full admin could cover.
func parseScopes(names []string) ([]vault.Scope, error) {
	if len(names) == 0 {
		return nil, badRequest("scopes", "scopes must list at least one scope")
	}
	var out []vault.Scope
	for _, n := range names {
		if slices.Contains(refusedScopes, n) {
			return nil, badRequest("scopes", "scope %q is not supported: cardvault cannot grant it without full admin "+
				"(which reveals cards and mints keys); ask for \"admin\" explicitly if that is meant", n)
		}
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

// showScopes names a key's scopes in Guardian's terms, each once (admin
// and webhooks both cover the webhook scopes).
func showScopes(ss []vault.Scope) []string {
	out := []string{}
	for _, s := range vault.AllScopes {
		if slices.Contains(ss, s) {
			for _, g := range guardianScopes[s] {
				if !slices.Contains(out, g) {
					out = append(out, g)
				}
			}
		}
	}
	return out
}
