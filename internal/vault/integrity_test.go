package vault_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/tamper"
	"github.com/cardvault/cardvault/internal/vault"
)

// guarded is a vault on a real store, a raw SQL handle on its database, and
// what the vault reported about rows that failed their integrity check.
type guarded struct {
	svc  *vault.Service
	db   tamper.DB
	logs *bytes.Buffer

	mu     sync.Mutex
	alarms []vault.IntegrityFailure
	// ahead moves the vault's clock past the real one (see later).
	ahead atomic.Int64
}

// later moves the vault's clock past the tenant cache's TTL, so what the
// vault checked before a tampering is not reused after it (a row changed in
// the database is seen within that bound: tenantstate.go).
func (g *guarded) later() { g.ahead.Add(int64(vault.DefaultTenantCacheTTL)) }

// eachTamperedStore runs fn against SQLite and PostgreSQL.
func eachTamperedStore(t *testing.T, fn func(t *testing.T, g *guarded)) {
	for _, b := range tamper.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			keys, err := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
			if err != nil {
				t.Fatal(err)
			}
			g := &guarded{db: db, logs: &bytes.Buffer{}}
			g.svc = vault.New(db.Store, keys, vault.Options{Logger: slog.New(slog.NewJSONHandler(g.logs, nil)),
				Now: func() time.Time { return time.Now().Add(time.Duration(g.ahead.Load())) }})
			if err := g.svc.Init(context.Background()); err != nil {
				t.Fatal(err)
			}
			g.svc.OnIntegrityFailure(func(_ context.Context, f vault.IntegrityFailure) {
				g.mu.Lock()
				defer g.mu.Unlock()
				g.alarms = append(g.alarms, f)
			})
			fn(t, g)
		})
	}
}

// raised asserts that the vault logged and reported a failure of id.
func (g *guarded) raised(t *testing.T, action, id string) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, a := range g.alarms {
		if a.Action == action && a.ID == id {
			if !strings.Contains(g.logs.String(), "integrity check failed") {
				t.Errorf("no log line for %s %s", action, id)
			}
			return
		}
	}
	t.Errorf("no %s event for %s; got %+v", action, id, g.alarms)
}

// key makes an API key and returns its id and secret.
func (g *guarded) key(t *testing.T, expires time.Time, scopes ...vault.Scope) (string, string) {
	t.Helper()
	k, secret, err := g.svc.CreateAPIKey(context.Background(), vault.NewAPIKey{Tenant: vault.DefaultTenant, Name: "k", Scopes: scopes, ExpiresAt: expires})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.svc.Authenticate(context.Background(), secret); err != nil {
		t.Fatalf("a fresh key does not authenticate: %v", err)
	}
	return k.ID, secret
}

// refused asserts that secret no longer authenticates, as an unknown key.
func (g *guarded) refused(t *testing.T, what, id, secret string) {
	t.Helper()
	p, err := g.svc.Authenticate(context.Background(), secret)
	if vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Fatalf("%s: Authenticate = %+v, %v; want unauthorized", what, p, err)
	}
	g.raised(t, "key.integrity_failed", id)
}

// An attacker who can write the database cannot mint a key by inserting a
// row with a secret of their choosing, nor escalate, un-revoke, extend or
// move a key by editing its row.
func TestAPIKeyRowsAreBoundToTheVault(t *testing.T) {
	eachTamperedStore(t, func(t *testing.T, g *guarded) {
		ctx := context.Background()
		id, _ := g.key(t, time.Time{}, vault.ScopeCardsRead)

		chosen := "cvk_attacker_chosen_secret_0123456789abcdef"
		// A copied tag from a genuine row, and no tag at all.
		g.db.Exec(t, `INSERT INTO api_keys (id, tenant, name, scopes, hash, created_at, integrity)
			SELECT 'key_minted', tenant, name, 'admin', ?, created_at, integrity FROM api_keys WHERE id = ?`,
			seal.HashSecret(chosen), id)
		g.refused(t, "minted with a copied tag", "key_minted", chosen)
		g.db.Exec(t, `UPDATE api_keys SET integrity = NULL WHERE id = 'key_minted'`)
		if _, err := g.svc.Authenticate(ctx, chosen); vault.CodeOf(err) != vault.CodeUnauthorized {
			t.Fatalf("minted without a tag: %v", err)
		}

		id, secret := g.key(t, time.Time{}, vault.ScopeCardsRead)
		g.db.Exec(t, `UPDATE api_keys SET scopes = 'admin' WHERE id = ?`, id)
		g.refused(t, "scopes edited", id, secret)

		id, secret = g.key(t, time.Time{}, vault.ScopeCardsRead)
		if err := g.svc.RevokeAPIKey(ctx, vault.DefaultTenant, id); err != nil {
			t.Fatal(err)
		}
		if _, err := g.svc.Authenticate(ctx, secret); vault.CodeOf(err) != vault.CodeUnauthorized {
			t.Fatalf("revoked key: %v", err)
		}
		g.db.Exec(t, `UPDATE api_keys SET revoked_at = NULL WHERE id = ?`, id)
		g.refused(t, "revocation undone", id, secret)

		id, secret = g.key(t, time.Now().Add(time.Hour), vault.ScopeCardsRead)
		g.db.Exec(t, `UPDATE api_keys SET expires_at = NULL WHERE id = ?`, id)
		g.refused(t, "expiry removed", id, secret)

		if _, err := g.svc.CreateTenant(ctx, "globex", "Globex"); err != nil {
			t.Fatal(err)
		}
		id, secret = g.key(t, time.Time{}, vault.ScopeAdmin)
		g.db.Exec(t, `UPDATE api_keys SET tenant = 'globex' WHERE id = ?`, id)
		g.refused(t, "tenant moved", id, secret)

		if _, err := g.svc.ListAPIKeys(ctx, "globex", vault.Page{}); !errors.Is(err, vault.ErrIntegrity) {
			t.Errorf("ListAPIKeys showed an edited row: %v", err)
		}
	})
}

// Editing a card's clear columns makes every read of it an error, never
// the edited data.
func TestCardRowsAreBoundToTheVault(t *testing.T) {
	for _, edit := range []string{
		`UPDATE cards SET bin = '555555' WHERE id = ?`,
		`UPDATE cards SET last4 = '0000' WHERE id = ?`,
		`UPDATE cards SET exp_year = 2099 WHERE id = ?`,
		`UPDATE cards SET fingerprint = 'forged' WHERE id = ?`,
		`UPDATE cards SET tenant = 'globex' WHERE id = ?`,
	} {
		t.Run(strings.Fields(edit)[3], func(t *testing.T) {
			eachTamperedStore(t, func(t *testing.T, g *guarded) {
				ctx := context.Background()
				pan, _ := card.ParsePAN("4111111111111111")
				c, err := g.svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: pan, Expiry: card.Expiry{Month: 12, Year: 2040}})
				if err != nil {
					t.Fatal(err)
				}
				tenant := vault.DefaultTenant
				if strings.Contains(edit, "tenant") {
					if _, err := g.svc.CreateTenant(ctx, "globex", "Globex"); err != nil {
						t.Fatal(err)
					}
					tenant = "globex"
				}
				if n := g.db.Exec(t, edit, c.ID); n != 1 {
					t.Fatalf("edited %d rows", n)
				}
				if got, err := g.svc.GetCard(ctx, tenant, c.ID); !errors.Is(err, vault.ErrIntegrity) {
					t.Fatalf("GetCard after %q = %+v, %v; want ErrIntegrity", edit, got, err)
				}
				if _, err := g.svc.ListCards(ctx, tenant, vault.Page{}); !errors.Is(err, vault.ErrIntegrity) {
					t.Errorf("ListCards: %v", err)
				}
				if _, err := g.svc.RevealCard(ctx, tenant, c.ID); !errors.Is(err, vault.ErrIntegrity) {
					t.Errorf("RevealCard: %v", err)
				}
				g.raised(t, "card.integrity_failed", c.ID)
			})
		})
	}
}

// A row that fails inside a transaction (an update reads the card first)
// is refused without deadlocking on the store's writer, and its audit
// event is still written once the transaction has ended.
func TestIntegrityFailureInsideATransactionIsAudited(t *testing.T) {
	eachTamperedStore(t, func(t *testing.T, g *guarded) {
		ctx := context.Background()
		log := audit.New(g.svc.Store(), g.svc.MAC, g.svc.Keyring(), nil)
		recorded := make(chan error, 10)
		g.svc.OnIntegrityFailure(func(ctx context.Context, f vault.IntegrityFailure) {
			recorded <- log.Record(ctx, audit.Event{Tenant: f.Tenant, Actor: "system", Action: f.Action, Targets: []string{f.ID}})
		})
		pan, _ := card.ParsePAN("4111111111111111")
		c, err := g.svc.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: pan})
		if err != nil {
			t.Fatal(err)
		}
		g.db.Exec(t, `UPDATE cards SET last4 = '0000' WHERE id = ?`, c.ID)
		ref := "new"
		if _, err := g.svc.UpdateCard(ctx, vault.DefaultTenant, c.ID, vault.CardUpdate{Reference: &ref}); !errors.Is(err, vault.ErrIntegrity) {
			t.Fatalf("UpdateCard of an edited card: %v", err)
		}
		select {
		case err := <-recorded:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the audit event was never written")
		}
		var actions []string
		if err := log.Each(ctx, vault.DefaultTenant, func(e audit.Entry) error { actions = append(actions, e.Action); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(actions) != 1 || actions[0] != "card.integrity_failed" {
			t.Fatalf("audit chain: %v", actions)
		}
	})
}
