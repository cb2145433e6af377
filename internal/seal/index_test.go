package seal_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

func TestFingerprint(t *testing.T) {
	ik := seal.NewIndexKey()
	a := ik.Fingerprint("4111111111111111")
	if a != ik.Fingerprint("4111111111111111") {
		t.Fatal("same digits, different fingerprints")
	}
	if a == ik.Fingerprint("4111111111111112") {
		t.Fatal("different digits, same fingerprint")
	}
	if a == seal.NewIndexKey().Fingerprint("4111111111111111") {
		t.Fatal("different index keys, same fingerprint")
	}
	m := hmac.New(sha256.New, ik.Bytes())
	m.Write([]byte("pan:4111111111111111"))
	if want := hex.EncodeToString(m.Sum(nil)); a != want {
		t.Fatalf("Fingerprint = %s, want hex(HMAC-SHA256(key, \"pan:\"+digits)) = %s", a, want)
	}
}

func TestSum(t *testing.T) {
	ik := seal.NewIndexKey()
	if first, again := ik.Sum("ref", "x"), ik.Sum("ref", "x"); first != again {
		t.Fatal("Sum is not deterministic")
	}
	distinct := []string{
		ik.Sum("ref", "x"), ik.Sum("token", "x"), ik.Sum("re", "fx"), ik.Sum("", "refx"),
		ik.Sum("pan", "4111111111111111"), ik.Fingerprint("4111111111111111"),
		seal.NewIndexKey().Sum("ref", "x"),
	}
	seen := map[string]int{}
	for i, s := range distinct {
		if j, dup := seen[s]; dup {
			t.Fatalf("values %d and %d collide", j, i)
		}
		seen[s] = i
	}
}

func TestIndexKeyBytes(t *testing.T) {
	ik := seal.NewIndexKey()
	back, err := seal.IndexKeyFromBytes(ik.Bytes())
	if err != nil || !bytes.Equal(back.Bytes(), ik.Bytes()) {
		t.Fatalf("IndexKeyFromBytes(Bytes()) = %v, %v", back, err)
	}
	b := ik.Bytes()
	clear(b)
	if ik.Fingerprint("1") != back.Fingerprint("1") {
		t.Fatal("Bytes exposes the key's own storage")
	}
	for name, in := range map[string][]byte{"short": make([]byte, 31), "long": make([]byte, 33), "zero": make([]byte, 32), "nil": nil} {
		if _, err := seal.IndexKeyFromBytes(in); err == nil {
			t.Errorf("%s: IndexKeyFromBytes accepted it", name)
		}
	}
}

func TestZeroIndexKeyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Fingerprint with a zero IndexKey did not panic")
		}
	}()
	var ik seal.IndexKey
	ik.Fingerprint("4111111111111111")
}

func TestIndexKeyWrap(t *testing.T) {
	kr, _ := newKeyring(t, 1)
	ik := seal.NewIndexKey()
	wrapped, err := kr.WrapIndexKey("tenant-a", ik)
	if err != nil {
		t.Fatal(err)
	}
	back, err := kr.UnwrapIndexKey("tenant-a", wrapped)
	if err != nil || !bytes.Equal(back.Bytes(), ik.Bytes()) {
		t.Fatalf("UnwrapIndexKey: %v", err)
	}
	if _, err := kr.UnwrapIndexKey("tenant-b", wrapped); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("moved to another tenant: err = %v, want ErrOpen", err)
	}
	// A wrapped data key is not an index key, even for the same tenant.
	dkWrapped, _ := kr.WrapDataKey("tenant-a", seal.NewDataKey(0))
	if _, err := kr.UnwrapIndexKey("tenant-a", dkWrapped); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("data key accepted as index key: err = %v", err)
	}
	if _, err := kr.WrapIndexKey("tenant-a", seal.IndexKey{}); err == nil {
		t.Fatal("WrapIndexKey wrapped a zero IndexKey")
	}
}
