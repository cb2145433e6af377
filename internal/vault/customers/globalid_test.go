package customers

import (
	"testing"

	"github.com/cardvault/cardvault/internal/card"
)

// TestGlobalIDsNeverLookLikeCardNumbers: a payment method's id is its
// card's reference, kept in the clear, where the core refuses card-number
// look-alikes; about 1 in 600 raw UUIDs holds one (33 of 20,000 measured), so without the redraw
// some of these would fail to store (CI saw a Hyperswitch create refused).
func TestGlobalIDsNeverLookLikeCardNumbers(t *testing.T) {
	for range 20000 {
		if id := newGlobalID("pm"); card.ContainsPAN(id) {
			t.Fatalf("id %s looks like a card number", id)
		}
	}
}
