package seal_test

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

func TestNewSecret(t *testing.T) {
	a, b := seal.NewSecret(), seal.NewSecret()
	if len(a) != 43 || a == b {
		t.Fatalf("NewSecret = %d chars, distinct=%v", len(a), a != b)
	}
	raw, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil || len(raw) != 32 {
		t.Fatalf("secret is not base64url of 32 bytes: %d bytes, %v", len(raw), err)
	}
}

func TestRandomID(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, n := range []int{-1, 0, 1, 22, 1000} {
		id := seal.RandomID(n)
		if want := max(n, 0); len(id) != want {
			t.Fatalf("RandomID(%d) has length %d", n, len(id))
		}
		if i := strings.IndexFunc(id, func(r rune) bool { return !strings.ContainsRune(alphabet, r) }); i >= 0 {
			t.Fatalf("RandomID(%d) has %q outside the alphabet", n, id[i])
		}
	}
	// Every character of the alphabet turns up, and none dominates.
	counts := map[rune]int{}
	const total = 64 * 2000
	for _, r := range seal.RandomID(total) {
		counts[r]++
	}
	if len(counts) != 64 {
		t.Fatalf("saw %d distinct characters, want 64", len(counts))
	}
	for r, c := range counts {
		if c < 1600 || c > 2400 { // mean 2000, sd ≈ 44
			t.Fatalf("%q appeared %d times in %d, want about 2000", r, c, total)
		}
	}
	if a, b := seal.RandomID(22), seal.RandomID(22); a == b {
		t.Fatal("two ids are equal")
	}
}

func TestHashAndVerifySecret(t *testing.T) {
	s := seal.NewSecret()
	h := seal.HashSecret(s)
	offByOne := s[:42] + "x"
	if offByOne == s {
		offByOne = s[:42] + "y"
	}
	if sum := sha256.Sum256([]byte(s)); string(h) != string(sum[:]) {
		t.Fatal("HashSecret is not SHA-256")
	}
	tests := []struct {
		name   string
		secret string
		hash   []byte
		want   bool
	}{
		{"right secret", s, h, true},
		{"other secret", seal.NewSecret(), h, false},
		{"one char off", offByOne, h, false},
		{"empty secret", "", h, false},
		{"nil hash", s, nil, false},
		{"truncated hash", s, h[:31], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := seal.VerifySecret(tt.secret, tt.hash); got != tt.want {
				t.Fatalf("VerifySecret = %v, want %v", got, tt.want)
			}
		})
	}
}
