package vaulttest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
)

// Core is a vault core without HTTP, for tests of the core and of the
// domains built on it.
type Core struct {
	Vault *vault.Service
	Store vault.Store
	// Clock is the core's clock (o.Now when NewCore was given one).
	Clock *Clock
	// Path is the SQLite database file.
	Path string
}

// CoreEpoch is where a Core's clock stands still at first.
var CoreEpoch = time.Date(2030, 6, 15, 12, 0, 0, 0, time.UTC)

// NewCore starts a vault core on a fresh SQLite store with a new master
// key. o tunes it; a nil o.Now becomes the returned Clock, stopped at
// CoreEpoch.
func NewCore(tb testing.TB, o vault.Options) *Core {
	tb.Helper()
	c := &Core{Clock: &Clock{stopped: CoreEpoch}, Path: filepath.Join(tb.TempDir(), "cardvault.db")}
	store, err := sqlite.Open(context.Background(), c.Path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	keyring, err := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
	if err != nil {
		tb.Fatal(err)
	}
	if o.Now == nil {
		o.Now = c.Clock.Now
	}
	c.Store, c.Vault = store, vault.New(store, keyring, o)
	if err := c.Vault.Init(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return c
}

// MustPAN parses a card number or fails the test.
func MustPAN(tb testing.TB, s string) card.PAN {
	tb.Helper()
	p, err := card.ParsePAN(s)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// WithLuhn appends the Luhn check digit to digits, making a valid card
// number of any test prefix.
func WithLuhn(digits string) string {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return digits + string(rune('0'+(10-sum%10)%10))
}
