package client_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/api/native"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
)

// vaultURL and adminKey name the real vault the examples and tests talk to:
// SQLite store, real keys, the real HTTP stack on a loopback listener.
var vaultURL, adminKey string

func TestMain(m *testing.M) { os.Exit(runWithVault(m)) }

// runWithVault starts the vault, runs the tests and stops it.
func runWithVault(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cardvault-client-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "cardvault.db"))
	if err != nil {
		panic(err)
	}
	defer store.Close()
	keyring, err := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
	if err != nil {
		panic(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := vault.New(store, keyring, vault.Options{Logger: log})
	if err := svc.Init(ctx); err != nil {
		panic(err)
	}
	adminKey = "client-test-admin-" + seal.NewSecret()
	if err := svc.EnsureBootstrapKey(ctx, adminKey); err != nil {
		panic(err)
	}
	al := audit.New(store, svc.MAC, svc.Keyring(), nil)
	h := server.New(server.Config{Logger: log, Registry: prometheus.NewRegistry(), Ready: svc,
		Facades: []server.Facade{native.New(api.Deps{Vault: svc, Audit: al, Log: log})}})
	ts := httptest.NewServer(h)
	defer ts.Close()
	vaultURL = ts.URL
	return m.Run()
}
