package seal_test

import (
	"bytes"
	"regexp"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

// Each fuzz target seeds the corpus with one valid blob. A mutated blob
// must never open: Open may succeed only on the exact valid blob.

func FuzzSealerOpen(f *testing.F) {
	s := seal.NewSealer(seal.NewDataKey(2), seal.NewDataKey(1))
	valid, err := s.Seal([]byte("4111111111111111"), panAAD)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:17])
	f.Add([]byte{})
	f.Add(append([]byte{1, 0, 0, 0, 1}, make([]byte, 28)...))
	f.Fuzz(func(t *testing.T, blob []byte) {
		pt, err := s.Open(blob, panAAD)
		if err != nil {
			if pt != nil {
				t.Fatal("plaintext returned with an error")
			}
			return
		}
		if !bytes.Equal(blob, valid) || string(pt) != "4111111111111111" {
			t.Fatalf("Open accepted a forged blob %x", blob)
		}
	})
}

func FuzzKeyringUnwrap(f *testing.F) {
	k1 := seal.GenerateKey()
	kr, err := seal.NewKeyring(2, map[uint32][]byte{1: k1, 2: seal.GenerateKey()})
	if err != nil {
		f.Fatal(err)
	}
	aad := []byte("cardvault/test")
	valid, _ := kr.Wrap([]byte("a wrapped data key"), aad)
	check, _ := kr.NewCheck()
	f.Add(valid)
	f.Add(check)
	f.Add(valid[:20])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, blob []byte) {
		pt, err := kr.Unwrap(blob, aad)
		if err == nil && (!bytes.Equal(blob, valid) || string(pt) != "a wrapped data key") {
			t.Fatalf("Unwrap accepted a forged blob %x", blob)
		}
		if err != nil && pt != nil {
			t.Fatal("plaintext returned with an error")
		}
		if kr.VerifyCheck(blob) == nil && !bytes.Equal(blob, check) {
			t.Fatalf("VerifyCheck accepted a forged blob %x", blob)
		}
	})
}

func FuzzUnlockedKeyOpen(f *testing.F) {
	uk, err := seal.NewUserKey(pass, seal.TestKDFParams())
	if err != nil {
		f.Fatal(err)
	}
	k, err := uk.Unlock(pass)
	if err != nil {
		f.Fatal(err)
	}
	info := []byte("info")
	valid, _ := seal.SealTo(uk.Public, info, []byte("secret"))
	f.Add(valid)
	f.Add(valid[:1137])
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, blob []byte) {
		pt, err := k.Open(info, blob)
		if err == nil && (!bytes.Equal(blob, valid) || string(pt) != "secret") {
			t.Fatalf("Open accepted a forged blob")
		}
		if err != nil && pt != nil {
			t.Fatal("plaintext returned with an error")
		}
	})
}

var masterKeyErr = regexp.MustCompile(`^seal: master key (is not valid base64|decodes to \d+ bytes, want 32)$`)

func FuzzParseMasterKey(f *testing.F) {
	f.Add("++++++++++++++++++++++++++++++++++++++++++8=")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add(" not base64 ")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		key, err := seal.ParseMasterKey(in)
		if err != nil {
			// The error is one of a fixed set of texts, so it cannot carry the input.
			if !masterKeyErr.MatchString(err.Error()) || key != nil {
				t.Fatalf("unexpected error text %q", err)
			}
			return
		}
		if len(key) != 32 {
			t.Fatalf("ParseMasterKey returned %d bytes", len(key))
		}
	})
}
