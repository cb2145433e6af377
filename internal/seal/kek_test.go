package seal_test

import (
	"errors"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

func TestKeyringOfKEKsRotates(t *testing.T) {
	oldKEK, _ := seal.NewLocalKEK(seal.GenerateKey())
	newKEK, _ := seal.NewLocalKEK(seal.GenerateKey())
	if oldKEK.ID() == newKEK.ID() {
		t.Skip("two random keys derived the same ID (2^-32)")
	}
	old, _ := seal.NewKeyringOf(oldKEK)
	both, _ := seal.NewKeyringOf(newKEK, oldKEK)
	alone, _ := seal.NewKeyringOf(newKEK)

	ik := seal.NewIndexKey()
	wrappedOld, err := old.WrapIndexKey("t", ik)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := both.UnwrapIndexKey("t", wrappedOld); err != nil {
		t.Fatalf("new+previous keyring cannot open a wrap of the previous key: %v", err)
	}
	if _, err := alone.UnwrapIndexKey("t", wrappedOld); !errors.Is(err, seal.ErrUnknownKeyVersion) {
		t.Fatalf("new key alone opened a wrap of the old one: %v", err)
	}
	wrappedNew, _ := both.WrapIndexKey("t", ik)
	if v, _ := both.KeyVersion(wrappedNew); v != newKEK.ID() {
		t.Fatalf("new wraps name key %08x, want the current %08x", v, newKEK.ID())
	}
	back, err := alone.UnwrapIndexKey("t", wrappedNew)
	if err != nil || string(back.Bytes()) != string(ik.Bytes()) {
		t.Fatalf("re-wrapped key does not open under the new key alone: %v", err)
	}

	check, _ := both.NewCheck()
	if err := alone.VerifyCheck(check); err != nil {
		t.Fatalf("check re-sealed under the new key refused by it: %v", err)
	}
	if err := old.VerifyCheck(check); !errors.Is(err, seal.ErrWrongMasterKey) {
		t.Fatalf("old key alone accepted the new check: %v", err)
	}
}

func TestKeyringTriesEveryKeyWhenTheIDLies(t *testing.T) {
	// A store written before key IDs were derived names version 1.
	raw := seal.GenerateKey()
	legacy, _ := seal.NewKeyring(1, map[uint32][]byte{1: raw})
	blob, _ := legacy.Wrap([]byte("dek"), []byte("aad"))
	kek, _ := seal.NewLocalKEK(raw)
	kr, _ := seal.NewKeyringOf(kek)
	if pt, err := kr.Unwrap(blob, []byte("aad")); err != nil || string(pt) != "dek" {
		t.Fatalf("legacy blob: %q, %v", pt, err)
	}
}

// brokenKEK stands for a provider whose device has gone away.
type brokenKEK struct{ id uint32 }

var errDeviceGone = errors.New("device removed")

func (b brokenKEK) ID() uint32                       { return b.id }
func (b brokenKEK) Wrap(_, _ []byte) ([]byte, error) { return nil, errDeviceGone }
func (b brokenKEK) Unwrap(_, _ []byte) ([]byte, error) {
	return nil, errDeviceGone
}

func TestProviderFailureIsNotAWrongKey(t *testing.T) {
	good, _ := seal.NewLocalKEK(seal.GenerateKey())
	kr, _ := seal.NewKeyringOf(good)
	check, _ := kr.NewCheck()

	broken, _ := seal.NewKeyringOf(brokenKEK{id: good.ID()}, good)
	err := broken.VerifyCheck(check)
	if errors.Is(err, seal.ErrWrongMasterKey) || !errors.Is(err, errDeviceGone) {
		t.Fatalf("VerifyCheck with a failing provider = %v, want the provider's error", err)
	}
	if _, err := broken.Unwrap(check, nil); errors.Is(err, seal.ErrOpen) || !errors.Is(err, errDeviceGone) {
		t.Fatalf("Unwrap with a failing provider = %v, want the provider's error and not ErrOpen", err)
	}
	if _, err := broken.Wrap([]byte("x"), nil); !errors.Is(err, errDeviceGone) {
		t.Fatalf("Wrap with a failing provider = %v", err)
	}
}

func TestLocalKEKSaysNotMine(t *testing.T) {
	a, _ := seal.NewLocalKEK(seal.GenerateKey())
	b, _ := seal.NewLocalKEK(seal.GenerateKey())
	sealed, _ := a.Wrap([]byte("dek"), []byte("aad"))
	for name, fn := range map[string]func() ([]byte, error){
		"other key": func() ([]byte, error) { return b.Unwrap(sealed, []byte("aad")) },
		"other aad": func() ([]byte, error) { return a.Unwrap(sealed, []byte("dda")) },
		"truncated": func() ([]byte, error) { return a.Unwrap(sealed[:10], []byte("aad")) },
	} {
		if pt, err := fn(); !errors.Is(err, seal.ErrNotMine) || pt != nil {
			t.Errorf("%s: %q, %v; want ErrNotMine and no plaintext", name, pt, err)
		}
	}
	if _, err := seal.NewLocalKEK(make([]byte, 16)); err == nil {
		t.Fatal("a 16-byte master key was accepted")
	}
}
