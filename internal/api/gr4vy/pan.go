package gr4vy

import "github.com/cardvault/cardvault/internal/card"

// errIdentifierPAN refuses an identifier kept for lookups that looks like a
// card number: no card number may be stored outside the sealed card data.
var errIdentifierPAN = invalid(inBody, "external_identifier",
	"external_identifier looks like a card number; card numbers may only be sent as a card's number")

// containsPAN is the vault's one PAN detector (card.ContainsPAN).
func containsPAN(s string) bool { return card.ContainsPAN(s) }
