//go:build pkcs11

package pkcs11_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/kek/pkcs11"
	"github.com/cardvault/cardvault/internal/seal"
)

var (
	hsmOnce sync.Once
	hsmDir  string
	hsmErr  error
	tokens  int
)

// softHSM returns the configuration of a fresh SoftHSM2 token with a
// master key made by CreateKey. SoftHSM2 reads SOFTHSM2_CONF once per
// process, so every test shares one token directory; each gets its own
// token. It skips without SoftHSM2 unless CARDVAULT_TEST_REQUIRE_PKCS11=1.
func softHSM(t *testing.T) pkcs11.Config {
	t.Helper()
	module := os.Getenv("CARDVAULT_TEST_PKCS11_MODULE")
	for _, m := range []string{"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"} {
		if module == "" {
			if _, err := os.Stat(m); err == nil {
				module = m
			}
		}
	}
	util, lookErr := exec.LookPath("softhsm2-util")
	if module == "" || lookErr != nil {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_PKCS11") == "1" {
			t.Fatal("SoftHSM2 is required (CARDVAULT_TEST_REQUIRE_PKCS11=1) but not installed: apt-get install softhsm2")
		}
		t.Skip("SoftHSM2 not installed (apt-get install softhsm2)")
	}
	hsmOnce.Do(func() {
		if hsmDir, hsmErr = os.MkdirTemp("", "cardvault-softhsm-"); hsmErr != nil {
			return
		}
		conf := filepath.Join(hsmDir, "softhsm2.conf")
		if err := os.Mkdir(filepath.Join(hsmDir, "tokens"), 0o700); err != nil {
			hsmErr = err
			return
		}
		hsmErr = os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(hsmDir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
		os.Setenv("SOFTHSM2_CONF", conf)
	})
	if hsmErr != nil {
		t.Fatal(hsmErr)
	}
	tokens++
	c := pkcs11.Config{Module: module, TokenLabel: fmt.Sprintf("cardvault-test-%d", tokens), PIN: "4321-user", KeyLabel: "cardvault-kek"}
	out, err := exec.Command(util, "--init-token", "--free", "--label", c.TokenLabel, "--pin", c.PIN, "--so-pin", "8765-so").CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util --init-token: %v: %s", err, out)
	}
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
