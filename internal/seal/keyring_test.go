package seal_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

func TestKeyringWrapRoundTrip(t *testing.T) {
	kr, _ := newKeyring(t, 1)
	for _, pt := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("k"), 4096)} {
		blob, err := kr.Wrap(pt, []byte("ctx"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := kr.Unwrap(blob, []byte("ctx"))
		if err != nil {
			t.Fatalf("Unwrap: %v", err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("Unwrap = %q, want %q", got, pt)
		}
		if len(pt) >= 16 && bytes.Contains(blob, pt) { // a short plaintext can occur by chance
			t.Fatal("blob contains the plaintext")
		}
		if v, err := kr.KeyVersion(blob); err != nil || v != 1 {
			t.Fatalf("KeyVersion = %d, %v; want 1", v, err)
		}
	}
}

func TestKeyringUnwrapDetectsTampering(t *testing.T) {
	kr, _ := newKeyring(t, 7)
	aad := []byte("tenant-a/key")
	blob, _ := kr.Wrap([]byte("a data key, say"), aad)

	t.Run("every flipped byte", func(t *testing.T) {
		eachFlip(t, blob, func(i int, m []byte) {
			pt, err := kr.Unwrap(m, aad)
			wantOpenErr(t, fmt.Sprintf("byte %d", i), pt, err)
		})
	})
	t.Run("every truncation", func(t *testing.T) {
		for n := range len(blob) {
			pt, err := kr.Unwrap(blob[:n], aad)
			wantOpenErr(t, fmt.Sprintf("length %d", n), pt, err)
		}
	})
	t.Run("appended byte", func(t *testing.T) {
		pt, err := kr.Unwrap(append(bytes.Clone(blob), 0), aad)
		wantOpenErr(t, "appended", pt, err)
	})
	t.Run("other aad", func(t *testing.T) {
		for _, other := range [][]byte{nil, []byte("tenant-b/key"), []byte("tenant-a/key\x00")} {
			pt, err := kr.Unwrap(blob, other)
			wantOpenErr(t, fmt.Sprintf("aad %q", other), pt, err)
		}
	})
}

func TestKeyringRotation(t *testing.T) {
	k1, k2 := seal.GenerateKey(), seal.GenerateKey()
	old, err := seal.NewKeyring(1, map[uint32][]byte{1: k1})
	if err != nil {
		t.Fatal(err)
	}
	blob1, _ := old.Wrap([]byte("secret"), nil)

	rotated, err := seal.NewKeyring(2, map[uint32][]byte{1: k1, 2: k2})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Unwrap(blob1, nil); err != nil || string(got) != "secret" {
		t.Fatalf("old blob under rotated keyring: %q, %v", got, err)
	}
	blob2, _ := rotated.Wrap([]byte("secret"), nil)
	if v, _ := rotated.KeyVersion(blob2); v != 2 || rotated.CurrentVersion() != 2 {
		t.Fatalf("new wrap uses version %d, want 2", v)
	}

	pt, err := old.Unwrap(blob2, nil)
	wantOpenErr(t, "blob of a version the keyring lacks", pt, err)
	if !errors.Is(err, seal.ErrUnknownKeyVersion) {
		t.Fatalf("err = %v, want ErrUnknownKeyVersion", err)
	}
}

func TestWrongMasterKey(t *testing.T) {
	right, _ := newKeyring(t, 1)
	wrong, _ := newKeyring(t, 1)

	check, err := right.NewCheck()
	if err != nil {
		t.Fatal(err)
	}
	if err := right.VerifyCheck(check); err != nil {
		t.Fatalf("VerifyCheck with the right key: %v", err)
	}
	if err := wrong.VerifyCheck(check); !errors.Is(err, seal.ErrWrongMasterKey) {
		t.Fatalf("VerifyCheck with a wrong key: %v, want ErrWrongMasterKey", err)
	}
	if want := "master key does not match the one this data store was created with"; seal.ErrWrongMasterKey.Error() != want {
		t.Fatalf("ErrWrongMasterKey text = %q", seal.ErrWrongMasterKey)
	}
	otherVersion, _ := newKeyring(t, 2)
	for name, blob := range map[string][]byte{
		"unknown version": check, "empty": nil, "truncated": check[:10],
	} {
		kr := wrong
		if name == "unknown version" {
			kr = otherVersion
		}
		if err := kr.VerifyCheck(blob); !errors.Is(err, seal.ErrWrongMasterKey) {
			t.Errorf("%s: VerifyCheck = %v, want ErrWrongMasterKey", name, err)
		}
	}
	// A check value is bound to its own context, so an ordinary wrap of
	// the same text is not a check value.
	fake, _ := right.Wrap([]byte("cardvault master key check value"), nil)
	if err := right.VerifyCheck(fake); err == nil {
		t.Fatal("VerifyCheck accepted a wrap without the check context")
	}

	blob, _ := right.Wrap([]byte("data"), nil)
	pt, err := wrong.Unwrap(blob, nil)
	wantOpenErr(t, "Unwrap under a wrong master key", pt, err)
}

func TestNewKeyringValidates(t *testing.T) {
	good := seal.GenerateKey()
	tests := []struct {
		name    string
		current uint32
		keys    map[uint32][]byte
	}{
		{"no keys", 1, nil},
		{"current missing", 2, map[uint32][]byte{1: good}},
		{"short key", 1, map[uint32][]byte{1: good[:31]}},
		{"long key", 1, map[uint32][]byte{1: append(bytes.Clone(good), 0)}},
		{"bad older key", 1, map[uint32][]byte{1: good, 2: good[:16]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := seal.NewKeyring(tt.current, tt.keys); err == nil {
				t.Fatal("NewKeyring accepted invalid keys")
			}
		})
	}
}

func TestNewKeyringDoesNotRetainKeys(t *testing.T) {
	key := seal.GenerateKey()
	kr, err := seal.NewKeyring(1, map[uint32][]byte{1: key})
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := kr.Wrap([]byte("x"), nil)
	clear(key)
	if _, err := kr.Unwrap(blob, nil); err != nil {
		t.Fatalf("Unwrap after wiping the caller's key: %v", err)
	}
}

func TestParseMasterKey(t *testing.T) {
	// Bytes chosen so the encodings use '+' and '/' (or '-' and '_') and need padding.
	key := bytes.Repeat([]byte{0xfb, 0xff, 0xbf, 0x3e}, 8)
	tests := []struct {
		name, in string
	}{
		{"standard padded", base64.StdEncoding.EncodeToString(key)},
		{"standard raw", base64.RawStdEncoding.EncodeToString(key)},
		{"url padded", base64.URLEncoding.EncodeToString(key)},
		{"url raw", base64.RawURLEncoding.EncodeToString(key)},
		{"surrounding space", "  " + base64.StdEncoding.EncodeToString(key) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := seal.ParseMasterKey(tt.in)
			if err != nil || !bytes.Equal(got, key) {
				t.Fatalf("ParseMasterKey = %x, %v; want %x", got, err, key)
			}
		})
	}

	bad := []struct{ name, in string }{
		{"empty", ""},
		{"31 bytes", base64.StdEncoding.EncodeToString(key[:31])},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(bytes.Clone(key), 1))},
		{"not base64", "this-is-not*base64!!SuperSecretMaterial"},
		{"hex", fmt.Sprintf("%x", key)},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := seal.ParseMasterKey(tt.in)
			if err == nil {
				t.Fatal("ParseMasterKey accepted a bad key")
			}
			if tt.in != "" && strings.Contains(err.Error(), tt.in) {
				t.Fatalf("error text contains the input: %v", err)
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	a, b := seal.GenerateKey(), seal.GenerateKey()
	if len(a) != 32 || len(b) != 32 || bytes.Equal(a, b) {
		t.Fatalf("GenerateKey gave %d and %d bytes, equal=%v", len(a), len(b), bytes.Equal(a, b))
	}
}

func TestDataKeyWrap(t *testing.T) {
	kr, _ := newKeyring(t, 1)
	dk := seal.NewDataKey(3)
	wrapped, err := kr.WrapDataKey("tenant-a", dk)
	if err != nil {
		t.Fatal(err)
	}
	back, err := kr.UnwrapDataKey("tenant-a", 3, wrapped)
	if err != nil {
		t.Fatalf("UnwrapDataKey: %v", err)
	}
	if back.Version != 3 {
		t.Fatalf("Version = %d, want 3", back.Version)
	}
	aad := seal.AAD{Tenant: "tenant-a", Record: "card_1", Field: "pan"}
	blob, _ := seal.NewSealer(dk).Seal([]byte("4111111111111111"), aad)
	if pt, err := seal.NewSealer(back).Open(blob, aad); err != nil || string(pt) != "4111111111111111" {
		t.Fatalf("unwrapped key does not open what the original sealed: %v", err)
	}

	for _, tt := range []struct {
		name    string
		tenant  string
		version uint32
	}{
		{"moved to another tenant", "tenant-b", 3},
		{"moved to another version", "tenant-a", 4},
		{"tenant prefix", "tenant-", 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kr.UnwrapDataKey(tt.tenant, tt.version, wrapped)
			if !errors.Is(err, seal.ErrOpen) || got.Version != 0 {
				t.Fatalf("UnwrapDataKey = %v, %v; want ErrOpen", got, err)
			}
		})
	}
	t.Run("every flipped byte", func(t *testing.T) {
		eachFlip(t, wrapped, func(i int, m []byte) {
			if _, err := kr.UnwrapDataKey("tenant-a", 3, m); !errors.Is(err, seal.ErrOpen) {
				t.Fatalf("byte %d: err = %v, want ErrOpen", i, err)
			}
		})
	})
	t.Run("zero data key", func(t *testing.T) {
		if _, err := kr.WrapDataKey("tenant-a", seal.DataKey{Version: 1}); err == nil {
			t.Fatal("WrapDataKey wrapped a zero DataKey")
		}
	})
	t.Run("wrong master key", func(t *testing.T) {
		other, _ := newKeyring(t, 1)
		if _, err := other.UnwrapDataKey("tenant-a", 3, wrapped); !errors.Is(err, seal.ErrOpen) {
			t.Fatalf("err = %v, want ErrOpen", err)
		}
	})
}
