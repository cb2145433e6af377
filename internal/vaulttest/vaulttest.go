// Package vaulttest builds a real vault for tests: a SQLite store in a
// temporary directory (or PostgreSQL when CARDVAULT_TEST_DATABASE_URL is
// set and the test asks for it), real keys, the real HTTP stack on a
// loopback listener, and a captured JSON log to scan for card data.
package vaulttest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/store/sqlite"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/customers"
	"github.com/cardvault/cardvault/internal/vault/forms"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
	"github.com/cardvault/cardvault/internal/vault/pcivault"
	"github.com/cardvault/cardvault/internal/vault/sessions"
)

// Env is a running vault for one test.
type Env struct {
	Vault    *vault.Service
	Store    vault.Store
	Server   *server.Server
	URL      string
	AdminKey string
	Log      *SyncBuffer
	Logger   *slog.Logger
	Registry *prometheus.Registry
	Audit    *audit.Log
	// Customers, Sessions, Forms and PCI are the domains on Vault.
	Customers *customers.Service
	Sessions  *sessions.Service
	Forms     *forms.Service
	PCI       *pcivault.Service
	// NetworkTokens is the network-token domain on the sandbox token
	// service, on the vault's clock.
	NetworkTokens *networktokens.Service
	// Clock is the vault's clock; tests move it with Advance.
	Clock *Clock
	// Path is the SQLite database file (its -wal and -shm beside it).
	Path string
}

// Deps are the parts a facade is built from: the core, its domains, the
// audit log and the logger of the environment. Tests add what else their
// facade needs (a relay, connectors) before calling its New.
type Deps = api.Deps

// Options change what New builds.
type Options struct {
	// Facades builds the facades to mount from the environment's parts.
	Facades func(Deps) []server.Facade
	// MaxBody caps request bodies; zero keeps the server default.
	MaxBody int64
	// PCIVault tunes the PCI Vault domain; a nil KDF means the cheap
	// seal.TestKDFParams.
	PCIVault pcivault.Options
	// Node, when set, makes this vault another node of that one: the same
	// store, master key, clock and admin key, its own service and server,
	// as two cardvault processes on one database.
	Node *Env
}

// New starts a vault on a fresh SQLite store and returns it with an admin key.
func New(tb testing.TB, o Options) *Env {
	tb.Helper()
	ctx := context.Background()
	e := &Env{Log: &SyncBuffer{}, Registry: prometheus.NewRegistry(), Clock: &Clock{}}
	var keyring *seal.Keyring
	if o.Node != nil {
		e.Store, e.Path, e.Clock, keyring = o.Node.Store, o.Node.Path, o.Node.Clock, o.Node.Vault.Keyring()
	} else {
		e.Path = filepath.Join(tb.TempDir(), "cardvault.db")
		store, err := sqlite.Open(ctx, e.Path)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { store.Close() })
		if keyring, err = seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()}); err != nil {
			tb.Fatal(err)
		}
		e.Store = store
	}
	store := e.Store
	e.Logger = slog.New(slog.NewJSONHandler(e.Log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.Vault = vault.New(store, keyring, vault.Options{Now: e.Clock.Now, Logger: e.Logger})
	if err := e.Vault.Init(ctx); err != nil {
		tb.Fatal(err)
	}
	e.Audit = audit.New(store, e.Vault.MAC, e.Vault.Keyring(), e.Clock.Now)
	e.AdminKey = "test-admin-key-" + seal.NewSecret()
	if o.Node != nil {
		e.AdminKey = o.Node.AdminKey
	}
	if err := e.Vault.EnsureBootstrapKey(ctx, e.AdminKey); err != nil {
		tb.Fatal(err)
	}
	if o.PCIVault.KDF == nil {
		o.PCIVault.KDF = seal.TestKDFParams
	}
	e.Customers, e.Sessions, e.Forms = customers.New(e.Vault), sessions.New(e.Vault, e.Logger), forms.New(e.Vault)
	e.PCI = pcivault.New(e.Vault, o.PCIVault)
	e.NetworkTokens = networktokens.New(e.Vault, func(st tsp.Storage) tsp.Provider { return tsp.NewSandbox(st, e.Vault.Now) })
	var facades []server.Facade
	if o.Facades != nil {
		facades = o.Facades(Deps{Vault: e.Vault, Customers: e.Customers, Sessions: e.Sessions, Forms: e.Forms,
			PCI: e.PCI, Log: e.Logger, Audit: e.Audit, NetworkTokens: e.NetworkTokens})
	}
	e.Server = server.New(server.Config{Logger: e.Logger, Registry: e.Registry, Ready: e.Vault, MaxBody: o.MaxBody, Facades: facades})
	// Every exchange on a documented operation is checked against its
	// OpenAPI document (apidoctest.Handler), so no facade test can pass
	// with an answer its document does not describe.
	ts := httptest.NewServer(apidoctest.Handler(tb, e.Server))
	tb.Cleanup(ts.Close)
	e.URL = ts.URL
	return e
}

// Key makes an API key of the default tenant with the given scopes.
func (e *Env) Key(tb testing.TB, scopes ...vault.Scope) string {
	tb.Helper()
	_, secret, err := e.Vault.CreateAPIKey(context.Background(), vault.NewAPIKey{Tenant: vault.DefaultTenant, Scopes: scopes})
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// TenantKey makes a tenant (if new) and an admin key for it.
func (e *Env) TenantKey(tb testing.TB, tenant string) string {
	tb.Helper()
	ctx := context.Background()
	if _, err := e.Vault.CreateTenant(ctx, tenant, tenant); err != nil && vault.CodeOf(err) != vault.CodeConflict {
		tb.Fatal(err)
	}
	_, secret, err := e.Vault.CreateAPIKey(ctx, vault.NewAPIKey{Tenant: tenant, Scopes: []vault.Scope{vault.ScopeAdmin}})
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// Do sends a request with the given headers and returns the response and its body.
func (e *Env) Do(tb testing.TB, method, path string, body string, headers ...string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, b
}

// AssertLogClean fails the test if the log holds any of the secrets. A
// short all-digit secret (a security code) counts only as a value of its
// own — quoted, after '=', ':' or a space — because four digits occur by
// chance inside timestamps, durations and hex ids.
func (e *Env) AssertLogClean(tb testing.TB, secrets ...string) {
	tb.Helper()
	log := e.Log.String()
	for _, s := range secrets {
		if s != "" && ContainsSecret(log, s) {
			tb.Errorf("log contains %q", s)
		}
	}
}

// shortCode matches what AssertLogClean treats as a security code.
var shortCode = regexp.MustCompile(`^[0-9]{1,11}$`)

// ContainsSecret reports whether text holds s; a short all-digit s counts
// only as a standalone value (see AssertLogClean).
func ContainsSecret(log, s string) bool {
	if !shortCode.MatchString(s) {
		return strings.Contains(log, s)
	}
	return regexp.MustCompile(`(^|["'=: ])` + s + `($|["',} \n])`).MatchString(log)
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Clock is a settable clock for expiry tests; it starts at the real time,
// or stands still at the time Stop gave it.
type Clock struct {
	mu      sync.Mutex
	d       time.Duration
	stopped time.Time
}

// Now returns the real time (or the stopped time) moved on by every
// Advance so far.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped.IsZero() {
		return c.stopped.Add(c.d)
	}
	return time.Now().Add(c.d)
}

// Stop makes the clock stand still at t, from where Advance moves it.
func (c *Clock) Stop(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped, c.d = t, 0
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.d += d
}
