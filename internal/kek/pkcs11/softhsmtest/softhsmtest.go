//go:build pkcs11

package softhsmtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/kek/pkcs11"
)

var (
	once   sync.Once
	dir    string
	setErr error
	mu     sync.Mutex
	tokens int
)

// Token returns the configuration of a fresh SoftHSM2 token (no key yet;
// KeyLabel is set). SoftHSM2 reads SOFTHSM2_CONF once per process, so every
// test of a process shares one token directory and gets its own token. It
// skips without SoftHSM2 unless CARDVAULT_TEST_REQUIRE_PKCS11=1; the module
// may be named by CARDVAULT_TEST_PKCS11_MODULE.
func Token(tb testing.TB) pkcs11.Config {
	tb.Helper()
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
			tb.Fatal("SoftHSM2 is required (CARDVAULT_TEST_REQUIRE_PKCS11=1) but not installed: apt-get install softhsm2")
		}
		tb.Skip("SoftHSM2 not installed (apt-get install softhsm2)")
	}
	once.Do(func() {
		if dir, setErr = os.MkdirTemp("", "cardvault-softhsm-"); setErr != nil {
			return
		}
		if setErr = os.Mkdir(filepath.Join(dir, "tokens"), 0o700); setErr != nil {
			return
		}
		conf := filepath.Join(dir, "softhsm2.conf")
		setErr = os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
		os.Setenv("SOFTHSM2_CONF", conf)
	})
	if setErr != nil {
		tb.Fatal(setErr)
	}
	mu.Lock()
	tokens++
	label := fmt.Sprintf("cardvault-test-%d-%d", os.Getpid(), tokens)
	mu.Unlock()
	c := pkcs11.Config{Module: module, TokenLabel: label, PIN: "4321-user", KeyLabel: "cardvault-kek"}
	out, err := exec.Command(util, "--init-token", "--free", "--label", c.TokenLabel, "--pin", c.PIN, "--so-pin", "8765-so").CombinedOutput()
	if err != nil {
		tb.Fatalf("softhsm2-util --init-token: %v: %s", err, out)
	}
	return c
}
