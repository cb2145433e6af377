package vault_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/store/tamper"
	"github.com/cardvault/cardvault/internal/vault"
)

// admin is a principal of the default tenant that holds every scope.
var admin = vault.Principal{Tenant: vault.DefaultTenant, KeyID: "key_admin", Scopes: []vault.Scope{vault.ScopeAdmin}}

func TestUpdateAPIKey(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	k, secret, err := svc.CreateAPIKey(ctx, vault.NewAPIKey{Tenant: vault.DefaultTenant, Name: "ops",
		Scopes: []vault.Scope{vault.ScopeCardsRead, vault.ScopeCardsWrite}})
	if err != nil {
		t.Fatal(err)
	}

	got, err := svc.UpdateAPIKey(ctx, admin, k.ID, vault.APIKeyChange{Scopes: []vault.Scope{vault.ScopeForward, vault.ScopeForward}})
	if err != nil || vault.JoinScopes(got.Scopes) != "forward" || got.Name != "ops" {
		t.Fatalf("UpdateAPIKey = %+v, %v", got, err)
	}
	p, err := svc.Authenticate(ctx, secret)
	if err != nil || !p.Can(vault.ScopeForward) || p.Can(vault.ScopeCardsRead) || p.Can(vault.ScopeCardsWrite) {
		t.Fatalf("after the change the key authenticates as %+v, %v", p, err)
	}
	name := "renamed"
	if got, err = svc.UpdateAPIKey(ctx, admin, k.ID, vault.APIKeyChange{Name: &name}); err != nil ||
		got.Name != name || vault.JoinScopes(got.Scopes) != "forward" {
		t.Fatalf("renaming = %+v, %v", got, err)
	}

	long := strings.Repeat("n", 101)
	for what, tc := range map[string]struct {
		by   vault.Principal
		id   string
		c    vault.APIKeyChange
		code vault.Code
	}{
		"no scopes":       {admin, k.ID, vault.APIKeyChange{Scopes: []vault.Scope{}}, vault.CodeInvalid},
		"unknown scope":   {admin, k.ID, vault.APIKeyChange{Scopes: []vault.Scope{"root"}}, vault.CodeInvalid},
		"long name":       {admin, k.ID, vault.APIKeyChange{Name: &long}, vault.CodeInvalid},
		"missing key":     {admin, "key_missing", vault.APIKeyChange{Name: &name}, vault.CodeNotFound},
		"other tenant":    {vault.Principal{Tenant: "globex", Scopes: admin.Scopes}, k.ID, vault.APIKeyChange{Name: &name}, vault.CodeNotFound},
		"scope not held":  {vault.Principal{Tenant: vault.DefaultTenant, Scopes: []vault.Scope{vault.ScopeCardsRead}}, k.ID, vault.APIKeyChange{Scopes: []vault.Scope{vault.ScopeCardsReveal}}, vault.CodeForbidden},
		"admin not held":  {vault.Principal{Tenant: vault.DefaultTenant, Scopes: []vault.Scope{vault.ScopeCardsRead, vault.ScopeCardsWrite}}, k.ID, vault.APIKeyChange{Scopes: []vault.Scope{vault.ScopeAdmin}}, vault.CodeForbidden},
		"one of two held": {vault.Principal{Tenant: vault.DefaultTenant, Scopes: []vault.Scope{vault.ScopeCardsRead}}, k.ID, vault.APIKeyChange{Scopes: []vault.Scope{vault.ScopeCardsRead, vault.ScopeForward}}, vault.CodeForbidden},
	} {
		if _, err := svc.UpdateAPIKey(ctx, tc.by, tc.id, tc.c); vault.CodeOf(err) != tc.code {
			t.Errorf("%s: err = %v, want %s", what, err, tc.code)
		}
	}
	if p, err := svc.Authenticate(ctx, secret); err != nil || vault.JoinScopes(p.Scopes) != "forward" {
		t.Fatalf("a refused change changed the key: %+v, %v", p, err)
	}
	// A caller may grant what it holds.
	reader := vault.Principal{Tenant: vault.DefaultTenant, Scopes: []vault.Scope{vault.ScopeCardsRead}}
	if got, err := svc.UpdateAPIKey(ctx, reader, k.ID, vault.APIKeyChange{Scopes: []vault.Scope{vault.ScopeCardsRead}}); err != nil ||
		vault.JoinScopes(got.Scopes) != "cards:read" {
		t.Fatalf("granting a held scope = %+v, %v", got, err)
	}

	if err := svc.RevokeAPIKey(ctx, vault.DefaultTenant, k.ID); err != nil {
		t.Fatal(err)
	}
	_, err = svc.UpdateAPIKey(ctx, admin, k.ID, vault.APIKeyChange{Scopes: []vault.Scope{vault.ScopeAdmin}})
	if vault.CodeOf(err) != vault.CodeConflict || !errors.Is(err, vault.ErrKeyRevoked) {
		t.Fatalf("changing a revoked key: %v", err)
	}
	if _, err := svc.Authenticate(ctx, secret); vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Fatalf("the revoked key works again: %v", err)
	}

	// The bootstrap key stays what CARDVAULT_BOOTSTRAP_API_KEY makes it.
	boot := "bootstrap-bootstrap-bootstrap-bootstrap"
	if err := svc.EnsureBootstrapKey(ctx, boot); err != nil {
		t.Fatal(err)
	}
	bp, err := svc.Authenticate(ctx, boot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateAPIKey(ctx, admin, bp.KeyID, vault.APIKeyChange{Scopes: []vault.Scope{vault.ScopeCardsRead}}); vault.CodeOf(err) != vault.CodeConflict ||
		!strings.Contains(vault.AsError(err).Public, "CARDVAULT_BOOTSTRAP_API_KEY") {
		t.Fatalf("changing the bootstrap key: %v", err)
	}
}

// A changed key is tagged anew and stays bound to the vault: editing its
// row afterwards is caught like any edit, and a row edited before the
// change is refused, never re-tagged (which would launder the edit).
func TestChangedAPIKeyRowsStayBound(t *testing.T) {
	eachTamperedStore(t, func(t *testing.T, g *guarded) {
		ctx := context.Background()
		id, secret := g.key(t, time.Time{}, vault.ScopeCardsRead)
		if _, err := g.svc.UpdateAPIKey(ctx, admin, id, vault.APIKeyChange{Scopes: []vault.Scope{vault.ScopeForward}}); err != nil {
			t.Fatal(err)
		}
		if p, err := g.svc.Authenticate(ctx, secret); err != nil || vault.JoinScopes(p.Scopes) != "forward" {
			t.Fatalf("the changed key: %+v, %v", p, err)
		}
		g.db.Exec(t, `UPDATE api_keys SET scopes = 'admin' WHERE id = ?`, id)
		g.refused(t, "scopes edited after a change", id, secret)

		id, secret = g.key(t, time.Time{}, vault.ScopeCardsRead)
		g.db.Exec(t, `UPDATE api_keys SET scopes = 'admin' WHERE id = ?`, id)
		name := "launder"
		if _, err := g.svc.UpdateAPIKey(ctx, admin, id, vault.APIKeyChange{Name: &name}); !errors.Is(err, vault.ErrIntegrity) {
			t.Fatalf("changing an edited row: %v, want ErrIntegrity", err)
		}
		g.refused(t, "edited row after a refused change", id, secret)
	})
}

// racing is a real store that runs race once, just before the first
// UpdateAPIKey or RevokeAPIKey write it is asked to make: a concurrent
// request landing between the vault's read of a key and its write.
type racing struct {
	vault.Store
	armed atomic.Bool
	race  func()
}

func (r *racing) UpdateAPIKey(ctx context.Context, k vault.APIKey, old []byte) error {
	if r.armed.CompareAndSwap(true, false) {
		r.race()
	}
	return r.Store.UpdateAPIKey(ctx, k, old)
}

func (r *racing) RevokeAPIKey(ctx context.Context, tenant, id string, at time.Time, integrity, old []byte) error {
	if r.armed.CompareAndSwap(true, false) {
		r.race()
	}
	return r.Store.RevokeAPIKey(ctx, tenant, id, at, integrity, old)
}

// A revocation and a scope change racing on one key both take effect in
// some order, and the row they leave verifies: the key is revoked, stays
// refused, and its tag covers what the row holds.
func TestRevocationRacingAScopeChange(t *testing.T) {
	for _, b := range tamper.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			for _, first := range []string{"change", "revoke"} {
				t.Run(first+" wins", func(t *testing.T) {
					ctx := context.Background()
					r := &racing{Store: b.Open(t).Store}
					svc := vault.New(r, keyring(t, seal.GenerateKey()), vault.Options{Logger: slog.New(slog.DiscardHandler)})
					if err := svc.Init(ctx); err != nil {
						t.Fatal(err)
					}
					k, secret, err := svc.CreateAPIKey(ctx, vault.NewAPIKey{Tenant: vault.DefaultTenant, Scopes: []vault.Scope{vault.ScopeCardsRead}})
					if err != nil {
						t.Fatal(err)
					}
					change := func() error {
						_, err := svc.UpdateAPIKey(ctx, admin, k.ID, vault.APIKeyChange{Scopes: []vault.Scope{vault.ScopeAdmin}})
						return err
					}
					revoke := func() error { return svc.RevokeAPIKey(ctx, vault.DefaultTenant, k.ID) }
					var raced, late error
					r.armed.Store(true)
					if first == "change" { // the change lands between the revocation's read and write
						r.race = func() { raced = change() }
						late = revoke()
					} else { // the revocation lands between the change's read and write
						r.race = func() { raced = revoke() }
						late = change()
						if !errors.Is(late, vault.ErrKeyRevoked) {
							t.Errorf("the change after a revocation: %v, want ErrKeyRevoked", late)
						}
						late = nil
					}
					if raced != nil || late != nil {
						t.Fatalf("racing call: %v; late call: %v", raced, late)
					}
					got, err := svc.GetAPIKey(ctx, vault.DefaultTenant, k.ID)
					if err != nil {
						t.Fatalf("the row the race left fails its check: %v", err)
					}
					if got.RevokedAt.IsZero() {
						t.Fatalf("the key is not revoked: %+v", got)
					}
					if _, err := svc.Authenticate(ctx, secret); vault.CodeOf(err) != vault.CodeUnauthorized {
						t.Fatalf("the revoked key authenticates: %v", err)
					}
				})
			}
		})
	}
}
