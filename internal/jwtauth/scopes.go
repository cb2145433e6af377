package jwtauth

import (
	"slices"
	"strings"

	"github.com/cardvault/cardvault/internal/vault"
)

// ScopeMapping is one row of the table from a Gr4vy JWT scope to the
// cardvault scopes it grants.
type ScopeMapping struct {
	Gr4vy     string
	Cardvault []vault.Scope
}

// ScopeTable is how Gr4vy scopes map to cardvault scopes, the table
// docs/compat/gr4vy.md repeats. A Gr4vy scope not listed grants nothing.
// No Gr4vy scope grants cards:reveal or admin: Gr4vy never hands a
// merchant card data in the clear, and keys are managed with API keys.
var ScopeTable = []ScopeMapping{
	{"*.read", []vault.Scope{vault.ScopeCardsRead}},
	{"*.write", []vault.Scope{vault.ScopeCardsWrite, vault.ScopeForward}},
	{"payment-methods.read", []vault.Scope{vault.ScopeCardsRead}},
	{"payment-methods.write", []vault.Scope{vault.ScopeCardsWrite}},
	{"buyers.read", []vault.Scope{vault.ScopeCardsRead}},
	{"buyers.write", []vault.Scope{vault.ScopeCardsWrite}},
	{"buyers.billing-details.read", []vault.Scope{vault.ScopeCardsRead}},
	{"buyers.billing-details.write", []vault.Scope{vault.ScopeCardsWrite}},
	{"checkout-sessions.read", []vault.Scope{vault.ScopeCardsRead}},
	{"checkout-sessions.write", []vault.Scope{vault.ScopeCardsWrite}},
	{"vault-forward.write", []vault.Scope{vault.ScopeForward}},
	{"embed", []vault.Scope{vault.ScopeCardsRead}},
}

// MapScopes returns the cardvault scopes that the Gr4vy scopes grant, in
// vault.AllScopes order, without duplicates.
func MapScopes(gr4vy []string) []vault.Scope {
	var out []vault.Scope
	for _, s := range vault.AllScopes {
		for _, m := range ScopeTable {
			if slices.Contains(gr4vy, m.Gr4vy) && slices.Contains(m.Cardvault, s) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// grants reports whether the Gr4vy scopes held grant the Gr4vy scope
// want, "*.read" and "*.write" standing for every ".read" and ".write"
// scope.
func grants(held []string, want string) bool {
	if slices.Contains(held, want) {
		return true
	}
	for _, suffix := range []string{".read", ".write"} {
		if strings.HasSuffix(want, suffix) && slices.Contains(held, "*"+suffix) {
			return true
		}
	}
	return false
}
