package seal_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

const pass = "ALongAndVerySecretPassphrase"

func newUserKey(tb testing.TB) seal.UserKey {
	tb.Helper()
	uk, err := seal.NewUserKey(pass, seal.TestKDFParams())
	if err != nil {
		tb.Fatalf("NewUserKey: %v", err)
	}
	return uk
}

func unlock(tb testing.TB, uk seal.UserKey, passphrase string) *seal.UnlockedKey {
	tb.Helper()
	k, err := uk.Unlock(passphrase)
	if err != nil {
		tb.Fatalf("Unlock: %v", err)
	}
	return k
}

func TestUserKeySealToAndOpen(t *testing.T) {
	uk := newUserKey(t)
	info := []byte("tenant-a/user-1")
	blob, err := seal.SealTo(uk.Public, info, []byte("4111111111111111"))
	if err != nil {
		t.Fatal(err)
	}
	if blob[0] != 1 {
		t.Fatalf("format byte = %d, want 1", blob[0])
	}
	k := unlock(t, uk, pass)
	if !bytes.Equal(k.Public(), uk.Public) {
		t.Fatal("unlocked key has another public key")
	}
	got, err := k.Open(info, blob)
	if err != nil || string(got) != "4111111111111111" {
		t.Fatalf("Open = %q, %v", got, err)
	}

	t.Run("other info", func(t *testing.T) {
		pt, err := k.Open([]byte("tenant-b/user-1"), blob)
		wantOpenErr(t, "other info", pt, err)
	})
	t.Run("other user", func(t *testing.T) {
		pt, err := unlock(t, newUserKey(t), pass).Open(info, blob)
		wantOpenErr(t, "other user", pt, err)
	})
	t.Run("every flipped byte", func(t *testing.T) {
		for i := range blob {
			m := bytes.Clone(blob)
			m[i] ^= 0x01
			pt, err := k.Open(info, m)
			wantOpenErr(t, fmt.Sprintf("byte %d", i), pt, err)
		}
	})
	t.Run("every truncation", func(t *testing.T) {
		for n := range len(blob) {
			pt, err := k.Open(info, blob[:n])
			wantOpenErr(t, fmt.Sprintf("length %d", n), pt, err)
		}
	})
	t.Run("invalid public key", func(t *testing.T) {
		if _, err := seal.SealTo(uk.Public[:100], info, []byte("x")); err == nil {
			t.Fatal("SealTo accepted a truncated public key")
		}
	})
}

func TestUserKeyWrongPassphrase(t *testing.T) {
	uk := newUserKey(t)
	for _, p := range []string{"", "wrong", pass + " ", pass[:len(pass)-1]} {
		if _, err := uk.Unlock(p); !errors.Is(err, seal.ErrWrongPassphrase) {
			t.Fatalf("Unlock(%d-char passphrase) = %v, want ErrWrongPassphrase", len(p), err)
		}
	}
}

func TestUserKeyTamperingIsDetected(t *testing.T) {
	uk := newUserKey(t)
	t.Run("every flipped byte of the wrapped key", func(t *testing.T) {
		for i := range uk.WrappedPrivate {
			m := uk
			m.WrappedPrivate = bytes.Clone(uk.WrappedPrivate)
			m.WrappedPrivate[i] ^= 0x01
			if k, err := m.Unlock(pass); !errors.Is(err, seal.ErrWrongPassphrase) || k != nil {
				t.Fatalf("byte %d: Unlock = %v", i, err)
			}
		}
	})
	t.Run("truncated wrapped key", func(t *testing.T) {
		m := uk
		m.WrappedPrivate = uk.WrappedPrivate[:20]
		if _, err := m.Unlock(pass); err == nil {
			t.Fatal("Unlock succeeded")
		}
	})
	t.Run("public key swapped", func(t *testing.T) {
		m := uk
		m.Public = newUserKey(t).Public
		if _, err := m.Unlock(pass); err == nil {
			t.Fatal("Unlock succeeded with another user's public key")
		}
	})
	t.Run("salt changed", func(t *testing.T) {
		m := uk
		m.KDF.Salt = bytes.Clone(uk.KDF.Salt)
		m.KDF.Salt[0] ^= 1
		if _, err := m.Unlock(pass); !errors.Is(err, seal.ErrWrongPassphrase) {
			t.Fatalf("Unlock = %v, want ErrWrongPassphrase", err)
		}
	})
	t.Run("absurd memory cost refused quickly", func(t *testing.T) {
		m := uk
		m.KDF.MemoryKiB = 1 << 31
		start := time.Now()
		if _, err := m.Unlock(pass); err == nil || errors.Is(err, seal.ErrWrongPassphrase) {
			t.Fatalf("Unlock = %v, want a parameter error", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("refusal took %v", d)
		}
	})
}

func TestNewUserKeyValidates(t *testing.T) {
	good := seal.TestKDFParams()
	tests := []struct {
		name       string
		passphrase string
		mod        func(*seal.KDFParams)
	}{
		{"empty passphrase", "", func(*seal.KDFParams) {}},
		{"zero time", pass, func(p *seal.KDFParams) { p.Time = 0 }},
		{"tiny memory", pass, func(p *seal.KDFParams) { p.MemoryKiB = 8 }},
		{"huge memory", pass, func(p *seal.KDFParams) { p.MemoryKiB = 1 << 31 }},
		{"zero threads", pass, func(p *seal.KDFParams) { p.Threads = 0 }},
		{"short salt", pass, func(p *seal.KDFParams) { p.Salt = p.Salt[:8] }},
		{"no salt", pass, func(p *seal.KDFParams) { p.Salt = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.mod(&p)
			if _, err := seal.NewUserKey(tt.passphrase, p); err == nil {
				t.Fatal("NewUserKey accepted it")
			}
		})
	}
}

func TestKDFParams(t *testing.T) {
	d := seal.DefaultKDFParams()
	if d.Time != 2 || d.MemoryKiB != 64*1024 || d.Threads != 2 || len(d.Salt) != 16 {
		t.Fatalf("DefaultKDFParams = %+v", d)
	}
	if bytes.Equal(d.Salt, seal.DefaultKDFParams().Salt) || bytes.Equal(seal.TestKDFParams().Salt, seal.TestKDFParams().Salt) {
		t.Fatal("salts repeat")
	}
	if testing.Short() {
		return
	}
	uk, err := seal.NewUserKey(pass, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uk.Unlock(pass); err != nil {
		t.Fatalf("Unlock with default parameters: %v", err)
	}
}

func TestUserKeyDoesNotAliasSalt(t *testing.T) {
	p := seal.TestKDFParams()
	uk, err := seal.NewUserKey(pass, p)
	if err != nil {
		t.Fatal(err)
	}
	p.Salt[0] ^= 1
	if _, err := uk.Unlock(pass); err != nil {
		t.Fatalf("changing the caller's salt broke the key: %v", err)
	}
}

func TestRewrapKeepsDataReadable(t *testing.T) {
	uk := newUserKey(t)
	info := []byte("tenant-a/user-1")
	blob, _ := seal.SealTo(uk.Public, info, []byte("before"))
	dek, sealedKey, err := seal.NewUserDataKey(uk.Public, info)
	if err != nil {
		t.Fatal(err)
	}
	field, _ := dek.Seal([]byte("4111111111111111"), panAAD)

	const newPass = "AnotherEquallyLongPassphrase"
	re, err := uk.Rewrap(pass, newPass, seal.TestKDFParams())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(re.Public, uk.Public) {
		t.Fatal("Rewrap changed the public key")
	}
	if bytes.Equal(re.KDF.Salt, uk.KDF.Salt) {
		t.Fatal("Rewrap reused the salt")
	}
	if _, err := re.Unlock(pass); !errors.Is(err, seal.ErrWrongPassphrase) {
		t.Fatalf("old passphrase still unlocks the rewrapped key: %v", err)
	}
	k := unlock(t, re, newPass)
	if got, err := k.Open(info, blob); err != nil || string(got) != "before" {
		t.Fatalf("data sealed before Rewrap: %q, %v", got, err)
	}
	s, err := k.OpenUserDataKey(sealedKey, info)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Open(field, panAAD); err != nil || string(got) != "4111111111111111" {
		t.Fatalf("field sealed before Rewrap: %v", err)
	}

	if _, err := uk.Rewrap("wrong", newPass, seal.TestKDFParams()); !errors.Is(err, seal.ErrWrongPassphrase) {
		t.Fatalf("Rewrap with a wrong old passphrase = %v", err)
	}
	if _, err := uk.Rewrap(pass, "", seal.TestKDFParams()); err == nil {
		t.Fatal("Rewrap accepted an empty new passphrase")
	}
}

func TestUserDataKey(t *testing.T) {
	uk := newUserKey(t)
	info := []byte("tenant-a/user-1")
	s, sealedKey, err := seal.NewUserDataKey(uk.Public, info)
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := s.Seal([]byte("4111111111111111"), panAAD)
	if v, _ := s.KeyVersion(blob); v != s.CurrentVersion() {
		t.Fatalf("blob names key %d, sealer's current is %d", v, s.CurrentVersion())
	}

	k := unlock(t, uk, pass)
	back, err := k.OpenUserDataKey(sealedKey, info)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := back.Open(blob, panAAD); err != nil || string(got) != "4111111111111111" {
		t.Fatalf("Open = %v", err)
	}
	if back.CurrentVersion() != s.CurrentVersion() {
		t.Fatal("recovered key has another version")
	}

	if _, err := k.OpenUserDataKey(sealedKey, []byte("tenant-b/user-1")); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("other info: err = %v", err)
	}
	// A plain SealTo of 32 bytes with the same info is not a user data key.
	fake, _ := seal.SealTo(uk.Public, info, make([]byte, 32))
	if _, err := k.OpenUserDataKey(fake, info); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("SealTo blob accepted as a data key: %v", err)
	}
	other, _, _ := seal.NewUserDataKey(uk.Public, info)
	if _, err := other.Open(blob, panAAD); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("another data key opened the blob: %v", err)
	}
}
