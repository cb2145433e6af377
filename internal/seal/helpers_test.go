package seal_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

// newKeyring returns a keyring with one random master key at version v.
func newKeyring(tb testing.TB, v uint32) (*seal.Keyring, []byte) {
	tb.Helper()
	key := seal.GenerateKey()
	kr, err := seal.NewKeyring(v, map[uint32][]byte{v: key})
	if err != nil {
		tb.Fatalf("NewKeyring: %v", err)
	}
	return kr, key
}

// eachFlip calls fn with a copy of blob in which byte i has been altered,
// for every i, and with each of a few bit patterns.
func eachFlip(tb testing.TB, blob []byte, fn func(i int, mutated []byte)) {
	tb.Helper()
	for i := range blob {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			m := bytes.Clone(blob)
			m[i] ^= mask
			fn(i, m)
		}
	}
}

// wantOpenErr fails unless err wraps seal.ErrOpen and no plaintext came back.
func wantOpenErr(tb testing.TB, what string, pt []byte, err error) {
	tb.Helper()
	if !errors.Is(err, seal.ErrOpen) {
		tb.Fatalf("%s: err = %v, want ErrOpen", what, err)
	}
	if pt != nil {
		tb.Fatalf("%s: returned %d bytes of plaintext alongside an error", what, len(pt))
	}
}
