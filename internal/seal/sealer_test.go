package seal_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

var panAAD = seal.AAD{Tenant: "tenant-a", Record: "card_1", Field: "pan"}

func TestSealerRoundTrip(t *testing.T) {
	s := seal.NewSealer(seal.NewDataKey(1))
	for _, pt := range [][]byte{{}, []byte("4111111111111111"), bytes.Repeat([]byte{7}, 1<<20)} {
		blob, err := s.Seal(pt, panAAD)
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 + 4 + 12 + len(pt) + 16; len(blob) != want {
			t.Fatalf("blob is %d bytes, want %d", len(blob), want)
		}
		if blob[0] != 1 || blob[1] != 0 || blob[2] != 0 || blob[3] != 0 || blob[4] != 1 {
			t.Fatalf("header = % x, want format 1, version 1", blob[:5])
		}
		got, err := s.Open(blob, panAAD)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("Open = %d bytes, %v", len(got), err)
		}
	}
}

func TestSealerNoncesAreFresh(t *testing.T) {
	s := seal.NewSealer(seal.NewDataKey(1))
	a, _ := s.Seal([]byte("same"), panAAD)
	b, _ := s.Seal([]byte("same"), panAAD)
	if bytes.Equal(a, b) || bytes.Equal(a[5:17], b[5:17]) {
		t.Fatal("two seals of the same plaintext share a nonce or ciphertext")
	}
}

func TestSealerOpenDetectsTampering(t *testing.T) {
	s := seal.NewSealer(seal.NewDataKey(1))
	blob, _ := s.Seal([]byte("4111111111111111"), panAAD)

	t.Run("every flipped byte", func(t *testing.T) {
		eachFlip(t, blob, func(i int, m []byte) {
			pt, err := s.Open(m, panAAD)
			wantOpenErr(t, fmt.Sprintf("byte %d", i), pt, err)
		})
	})
	t.Run("every truncation", func(t *testing.T) {
		for n := range len(blob) {
			pt, err := s.Open(blob[:n], panAAD)
			wantOpenErr(t, fmt.Sprintf("length %d", n), pt, err)
		}
	})
	t.Run("appended byte", func(t *testing.T) {
		pt, err := s.Open(append(bytes.Clone(blob), 0), panAAD)
		wantOpenErr(t, "appended", pt, err)
	})
}

func TestSealerOpenRejectsMovedCiphertext(t *testing.T) {
	s := seal.NewSealer(seal.NewDataKey(1))
	blob, _ := s.Seal([]byte("4111111111111111"), panAAD)
	tests := []struct {
		name string
		aad  seal.AAD
	}{
		{"other tenant", seal.AAD{Tenant: "tenant-b", Record: "card_1", Field: "pan"}},
		{"other record", seal.AAD{Tenant: "tenant-a", Record: "card_2", Field: "pan"}},
		{"other field", seal.AAD{Tenant: "tenant-a", Record: "card_1", Field: "holder"}},
		{"shifted boundary", seal.AAD{Tenant: "tenant-ac", Record: "ard_1", Field: "pan"}},
		{"empty", seal.AAD{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := s.Open(blob, tt.aad)
			wantOpenErr(t, tt.name, pt, err)
		})
	}
}

func TestAADEncodingIsUnambiguous(t *testing.T) {
	aads := []seal.AAD{
		{"a", "bc", ""}, {"ab", "c", ""}, {"a", "b", "c"}, {"", "ab", "c"},
		{"abc", "", ""}, {"", "", "abc"}, {"", "", ""}, {"a\x01", "b", ""}, {"a", "\x01b", ""},
	}
	seen := map[string]seal.AAD{}
	for _, a := range aads {
		enc := string(a.Bytes())
		if prev, dup := seen[enc]; dup {
			t.Fatalf("%+v and %+v encode the same", prev, a)
		}
		seen[enc] = a
	}
	if !bytes.Equal(aads[0].Bytes(), seal.AAD{"a", "bc", ""}.Bytes()) {
		t.Fatal("encoding is not deterministic")
	}
}

func TestSealerRotation(t *testing.T) {
	v1, v2 := seal.NewDataKey(1), seal.NewDataKey(2)
	old := seal.NewSealer(v1)
	blob1, _ := old.Seal([]byte("old"), panAAD)

	s := seal.NewSealer(v2, v1)
	if got, err := s.Open(blob1, panAAD); err != nil || string(got) != "old" {
		t.Fatalf("rotated sealer cannot open old data: %v", err)
	}
	blob2, _ := s.Seal([]byte("new"), panAAD)
	for blob, want := range map[*[]byte]uint32{&blob1: 1, &blob2: 2} {
		if v, err := s.KeyVersion(*blob); err != nil || v != want {
			t.Fatalf("KeyVersion = %d, %v; want %d", v, err, want)
		}
	}
	if s.CurrentVersion() != 2 {
		t.Fatalf("CurrentVersion = %d, want 2", s.CurrentVersion())
	}

	pt, err := old.Open(blob2, panAAD)
	wantOpenErr(t, "unknown version", pt, err)
	if !errors.Is(err, seal.ErrUnknownKeyVersion) {
		t.Fatalf("err = %v, want ErrUnknownKeyVersion", err)
	}

	// A key with the right version number but other bytes must not open.
	impostor := seal.NewSealer(seal.NewDataKey(1))
	pt, err = impostor.Open(blob1, panAAD)
	wantOpenErr(t, "same version, other key", pt, err)
}

func TestSealerDuplicateVersionsFirstWins(t *testing.T) {
	cur := seal.NewDataKey(1)
	s := seal.NewSealer(cur, seal.NewDataKey(1))
	blob, _ := seal.NewSealer(cur).Seal([]byte("x"), panAAD)
	if _, err := s.Open(blob, panAAD); err != nil {
		t.Fatalf("current key was replaced by a later duplicate: %v", err)
	}
}

func TestSealerZeroCurrentKey(t *testing.T) {
	older := seal.NewDataKey(1)
	blob, _ := seal.NewSealer(older).Seal([]byte("x"), panAAD)
	s := seal.NewSealer(seal.DataKey{Version: 2}, older)
	if out, err := s.Seal([]byte("x"), panAAD); err == nil || out != nil {
		t.Fatal("Seal succeeded without a current key")
	}
	if _, err := s.Open(blob, panAAD); err != nil {
		t.Fatalf("older key unusable: %v", err)
	}
}

func TestSealerConcurrentUse(t *testing.T) {
	s := seal.NewSealer(seal.NewDataKey(2), seal.NewDataKey(1))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			aad := seal.AAD{Tenant: "t", Record: fmt.Sprint(g), Field: "pan"}
			for i := range 200 {
				pt := []byte(fmt.Sprint(g, i))
				blob, err := s.Seal(pt, aad)
				if err != nil {
					errs <- err
					return
				}
				got, err := s.Open(blob, aad)
				if err != nil || !bytes.Equal(got, pt) {
					errs <- fmt.Errorf("round trip %d/%d: %v", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
