//go:build pkcs11

package pkcs11_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/kek/pkcs11"
	"github.com/cardvault/cardvault/internal/kek/pkcs11/softhsmtest"
	"github.com/cardvault/cardvault/internal/seal"
)

// softHSM returns a fresh SoftHSM2 token holding a master key made by CreateKey.
func softHSM(t *testing.T) pkcs11.Config {
	t.Helper()
	c := softhsmtest.Token(t)
	if err := pkcs11.CreateKey(c); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return c
}

func open(t *testing.T, c pkcs11.Config) *pkcs11.KEK {
	t.Helper()
	k, err := pkcs11.Open(c)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func TestSoftHSMRoundTrip(t *testing.T) {
	c := softHSM(t)
	k := open(t, c)
	kr, err := seal.NewKeyringOf(k)
	if err != nil {
		t.Fatal(err)
	}
	dk := seal.NewDataKey(7)
	wrapped, err := kr.WrapDataKey("tenant-a", dk)
	if err != nil {
		t.Fatalf("WrapDataKey in the token: %v", err)
	}
	back, err := kr.UnwrapDataKey("tenant-a", 7, wrapped)
	if err != nil {
		t.Fatalf("UnwrapDataKey in the token: %v", err)
	}
	// The unwrapped key seals what the original opens.
	blob, _ := seal.NewSealer(back).Seal([]byte("4111111111111111"), seal.AAD{Tenant: "tenant-a", Record: "c1", Field: "pan"})
	if pt, err := seal.NewSealer(dk).Open(blob, seal.AAD{Tenant: "tenant-a", Record: "c1", Field: "pan"}); err != nil || string(pt) != "4111111111111111" {
		t.Fatalf("key unwrapped by the token differs from the one wrapped: %v", err)
	}
	if _, err := kr.UnwrapDataKey("tenant-b", 7, wrapped); !errors.Is(err, seal.ErrOpen) {
		t.Fatalf("wrapped key moved to another tenant: %v, want ErrOpen", err)
	}
	for i := range wrapped {
		m := append([]byte(nil), wrapped...)
		m[i] ^= 0x40
		if _, err := kr.UnwrapDataKey("tenant-a", 7, m); !errors.Is(err, seal.ErrOpen) {
			t.Fatalf("altered byte %d: %v, want ErrOpen", i, err)
		}
	}
	check, _ := kr.NewCheck()
	if err := kr.VerifyCheck(check); err != nil {
		t.Fatalf("VerifyCheck: %v", err)
	}

	// The same token and key, opened again, is the same KEK; a local key is not.
	k.Close()
	again := open(t, c)
	kr2, _ := seal.NewKeyringOf(again)
	if _, err := kr2.UnwrapDataKey("tenant-a", 7, wrapped); err != nil || again.ID() != k.ID() {
		t.Fatalf("reopened token: id %08x vs %08x, %v", again.ID(), k.ID(), err)
	}
	local, _ := seal.NewLocalKEK(seal.GenerateKey())
	other, _ := seal.NewKeyringOf(local)
	if err := other.VerifyCheck(check); !errors.Is(err, seal.ErrWrongMasterKey) {
		t.Fatalf("a local key accepted the token's check value: %v", err)
	}
}

func TestSoftHSMMigratesFromLocalKey(t *testing.T) {
	c := softHSM(t)
	hsm := open(t, c)
	local, _ := seal.NewLocalKEK(seal.GenerateKey())
	before, _ := seal.NewKeyringOf(local)
	ik := seal.NewIndexKey()
	wrapped, _ := before.WrapIndexKey("t", ik)
	during, _ := seal.NewKeyringOf(hsm, local)
	got, err := during.UnwrapIndexKey("t", wrapped)
	if err != nil {
		t.Fatalf("token + previous local key: %v", err)
	}
	rewrapped, err := during.WrapIndexKey("t", got)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := seal.NewKeyringOf(hsm)
	if _, err := after.UnwrapIndexKey("t", rewrapped); err != nil {
		t.Fatalf("re-wrapped key under the token alone: %v", err)
	}
}

func TestSoftHSMClearErrors(t *testing.T) {
	c := softHSM(t)
	for _, tc := range []struct {
		name string
		edit func(*pkcs11.Config)
		want string
	}{
		{"absent module", func(c *pkcs11.Config) { c.Module = "/nonexistent/libpkcs11.so" }, `module "/nonexistent/libpkcs11.so"`},
		{"not a module", func(c *pkcs11.Config) { c.Module = "/etc/hostname" }, "cannot load module"},
		{"unknown token", func(c *pkcs11.Config) { c.TokenLabel = "no-such-token" }, `no token labelled "no-such-token"`},
		{"wrong PIN", func(c *pkcs11.Config) { c.PIN = "0000-wrong" }, "refused the PIN"},
		{"missing key label", func(c *pkcs11.Config) { c.KeyLabel = "no-such-key" }, `no AES key labelled "no-such-key"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := c
			tc.edit(&bad)
			k, err := pkcs11.Open(bad)
			if err == nil {
				k.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), c.PIN) || strings.Contains(err.Error(), bad.PIN) {
				t.Fatalf("error contains the PIN: %q", err)
			}
		})
	}
	// A key label may not be made twice.
	if err := pkcs11.CreateKey(c); err == nil || !strings.Contains(err.Error(), "already has a key") {
		t.Fatalf("second CreateKey: %v", err)
	}
	// The token still works after all that.
	open(t, c)
}

func TestReadPIN(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pin")
	os.WriteFile(p, []byte("1234\n"), 0o600)
	if pin, err := pkcs11.ReadPIN(p); err != nil || pin != "1234" {
		t.Fatalf("ReadPIN = %q, %v", pin, err)
	}
	os.WriteFile(p, []byte("\n"), 0o600)
	if _, err := pkcs11.ReadPIN(p); err == nil {
		t.Fatal("empty PIN file accepted")
	}
}
