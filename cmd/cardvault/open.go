package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/config"
	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/store/keycache"
	"github.com/cardvault/cardvault/internal/store/metered"
	"github.com/cardvault/cardvault/internal/store/postgres"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/vault"
)

// masterKeyFile is the name of the key file made in the data directory when
// the embedded store runs without a configured master key.
const masterKeyFile = "master.key"

// storeCloser is a vault.Store that holds resources.
type storeCloser interface {
	vault.Store
	Close() error
}

// dbFile is the embedded store's database file in the data directory.
func dbFile(c config.Config) string { return filepath.Join(c.DataDir, "cardvault.db") }

// openStore picks the store: PostgreSQL when a database URL is set, the
// embedded SQLite file otherwise.
func openStore(ctx context.Context, c config.Config) (storeCloser, error) {
	if c.DatabaseURL != "" {
		return postgres.Open(ctx, c.DatabaseURL)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return sqlite.Open(ctx, dbFile(c))
}

// checkMasterKeyFirst compares the master key with an existing store's check
// value before the store is opened, so that a wrong key is refused before
// anything (a migration, a default tenant) is written. A store that does
// not exist yet passes; Init records its check value. When the check value
// cannot be read this way, start-up goes on and Init checks the key (before
// serving, but after migrations), with a warning.
func checkMasterKeyFirst(ctx context.Context, c config.Config, keyring *seal.Keyring, log *slog.Logger) error {
	var check []byte
	var err error
	if c.DatabaseURL != "" {
		check, err = postgres.ReadMeta(ctx, c.DatabaseURL, vault.MetaMasterKeyCheck)
	} else {
		check, err = sqlite.ReadMeta(ctx, dbFile(c), vault.MetaMasterKeyCheck)
	}
	switch {
	case errors.Is(err, vault.ErrNotFound):
		return nil
	case err != nil:
		log.Warn("could not read the master key check before opening the store; checking it after", "err", err)
		return nil
	}
	if err := keyring.VerifyCheck(check); err != nil {
		return fmt.Errorf("refusing to start, nothing was written: %w", err)
	}
	return nil
}

// warnOpenDataDir logs a warning when the data directory can be read or
// entered by other users (the files in it are 0600 regardless).
func warnOpenDataDir(c config.Config, log *slog.Logger) {
	if c.DatabaseURL != "" {
		return
	}
	fi, err := os.Stat(c.DataDir)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	log.Warn("the data directory is open to other users; its files are created 0600, but restrict it too",
		"path", c.DataDir, "mode", fmt.Sprintf("%#o", fi.Mode().Perm()), "fix", "chmod 700 "+c.DataDir)
}

// loadMasterKey reads the master key from the configuration, or, for the
// embedded store only, from (or into) a 0600 key file in the data directory.
func loadMasterKey(c config.Config, log *slog.Logger) ([]byte, error) {
	var b64 string
	switch {
	case c.MasterKey != "":
		b64 = c.MasterKey
	case c.MasterKeyFile != "":
		raw, err := os.ReadFile(c.MasterKeyFile)
		if err != nil {
			return nil, fmt.Errorf("read master key file: %w", err)
		}
		b64 = string(raw)
	case c.DatabaseURL != "":
		return nil, errors.New("PostgreSQL needs a master key: set CARDVAULT_MASTER_KEY or CARDVAULT_MASTER_KEY_FILE " +
			"(make one with: head -c 32 /dev/urandom | base64)")
	default:
		var err error
		if b64, err = keyFileInDataDir(c.DataDir, dbFile(c), log); err != nil {
			return nil, err
		}
	}
	key, err := seal.ParseMasterKey(b64)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return key, nil
}

// keyFileInDataDir returns the data directory's key file, creating it with
// a fresh key (mode 0600) and a loud warning when it does not exist and
// neither does the store: a store without its key file is refused, with
// nothing written, since a new key could never open it.
func keyFileInDataDir(dir, db string, log *slog.Logger) (string, error) {
	path := filepath.Join(dir, masterKeyFile)
	raw, err := os.ReadFile(path)
	if err == nil {
		return string(raw), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read master key file: %w", err)
	}
	if _, err := os.Stat(db); err == nil {
		return "", fmt.Errorf("refusing to start, nothing was written: the data directory holds a store (%s) but no master key "+
			"file (%s) and no master key is configured; set CARDVAULT_MASTER_KEY or CARDVAULT_MASTER_KEY_FILE to the key that "+
			"store was made with", db, path)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	b64 := base64Key(seal.GenerateKey())
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process made it first
		raw, err := os.ReadFile(path)
		return string(raw), err
	}
	if err != nil {
		return "", fmt.Errorf("create master key file: %w", err)
	}
	if _, err := io.WriteString(f, b64+"\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("write master key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("write master key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	log.Warn("no master key configured: created one in the data directory; anyone who can read this file "+
		"can decrypt the vault. Move it to a secret store and set CARDVAULT_MASTER_KEY_FILE for production",
		"path", path)
	return b64, nil
}

// storeMetrics is a store with metrics of its own for /metrics.
type storeMetrics interface{ Collector() prometheus.Collector }

// openVault opens the store and the vault service on it, checking the master key.
// With a registry, store calls are timed into it.
func openVault(ctx context.Context, c config.Config, log *slog.Logger, reg prometheus.Registerer) (*vault.Service, storeCloser, error) {
	warnOpenDataDir(c, log)
	keyring, kek, err := openKeyring(c, log)
	if err != nil {
		return nil, nil, err
	}
	if err := checkMasterKeyFirst(ctx, c, keyring, log); err != nil {
		kek.Close()
		return nil, nil, err
	}
	plain, err := openStore(ctx, c)
	if err != nil {
		kek.Close()
		return nil, nil, err
	}
	store := withKEK{plain, kek}
	var vs vault.Store = store
	if reg != nil {
		vs = metered.New(store, reg)
		reg.MustRegister(rotate.NewCollector(ctx, store))
		if m, ok := plain.(storeMetrics); ok { // the SQLite store's group commits
			reg.MustRegister(m.Collector())
		}
	}
	vs = keycache.New(vs, c.APIKeyCacheTTL, keycache.DefaultMaxKeys)
	tenantTTL := c.TenantCacheTTL
	if tenantTTL == 0 {
		tenantTTL = -1 // off (vault.Options reads zero as the default)
	}
	svc := vault.New(vs, keyring, vault.Options{Logger: log, SecurityCodeTTL: c.SecurityCodeTTL,
		Enumeration: enumerationLimits(c), KeyRefresh: c.KeyRefresh, TenantCacheTTL: tenantTTL})
	if err := svc.Init(ctx); err != nil {
		store.Close()
		if errors.Is(err, seal.ErrWrongMasterKey) {
			return nil, nil, fmt.Errorf("refusing to start: %w", err)
		}
		return nil, nil, err
	}
	return svc, store, nil
}

// newLogger returns the JSON logger at the configured level.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(strings.ToUpper(level)))
	return slog.New(server.MaskPANs(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})))
}
