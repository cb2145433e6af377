package vault_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

// tenantKey makes a tenant and a key of it, and checks that the key works.
func (g *guarded) tenantKey(t *testing.T, tenant string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := g.svc.CreateTenant(ctx, tenant, "Tenant "+tenant); err != nil {
		t.Fatal(err)
	}
	_, secret, err := g.svc.CreateAPIKey(ctx, vault.NewAPIKey{Tenant: tenant, Name: "k", Scopes: []vault.Scope{vault.ScopeCardsRead}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.svc.Authenticate(ctx, secret); err != nil {
		t.Fatalf("a fresh key of %s does not authenticate: %v", tenant, err)
	}
	return secret
}

// keyRefused asserts that svc answers secret as unknown.
func keyRefused(t *testing.T, svc *vault.Service, what, secret string) {
	t.Helper()
	if p, err := svc.Authenticate(context.Background(), secret); vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Fatalf("%s: Authenticate = %+v, %v; want unauthorized", what, p, err)
	}
}

// An attacker who can write the database cannot re-enable a disabled
// tenant, forge a tenant row, or pass one tenant's row off as another's:
// the row fails its tag, the tenant is treated as disabled, never enabled,
// and the failure is logged and reported.
func TestTenantRowsAreBoundToTheVault(t *testing.T) {
	eachTamperedStore(t, func(t *testing.T, g *guarded) {
		ctx := context.Background()
		acme := g.tenantKey(t, "acme")
		globex := g.tenantKey(t, "globex")
		if err := g.svc.DisableTenant(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
		keyRefused(t, g.svc, "disabled", acme)

		g.db.Exec(t, `UPDATE tenants SET disabled_at = NULL WHERE id = 'acme'`)
		g.later()
		keyRefused(t, g.svc, "disabled_at cleared", acme)
		g.raised(t, "tenant.integrity_failed", "acme")
		if off, err := g.svc.TenantDisabled(ctx, "acme"); err != nil || !off {
			t.Errorf("TenantDisabled of a re-enabled row = %v, %v; want disabled", off, err)
		}
		if _, err := g.svc.ListTenants(ctx, vault.Page{}); !errors.Is(err, vault.ErrIntegrity) {
			t.Errorf("ListTenants showed an edited row: %v", err)
		}

		g.db.Exec(t, `UPDATE tenants SET integrity = (SELECT integrity FROM tenants WHERE id = 'globex') WHERE id = 'acme'`)
		g.later()
		keyRefused(t, g.svc, "another tenant's tag copied", acme)
		g.db.Exec(t, `UPDATE tenants SET integrity = NULL WHERE id = 'acme'`)
		g.later()
		keyRefused(t, g.svc, "tag removed", acme)

		g.db.Exec(t, `INSERT INTO tenants (id, name, created_at, integrity) SELECT 'forged', name, created_at, integrity FROM tenants WHERE id = 'globex'`)
		if off, err := g.svc.TenantDisabled(ctx, "forged"); err != nil || !off {
			t.Errorf("a forged tenant row reads as enabled: %v, %v", off, err)
		}
		if _, _, err := g.svc.CreateAPIKey(ctx, vault.NewAPIKey{Tenant: "forged", Scopes: []vault.Scope{vault.ScopeAdmin}}); err == nil {
			t.Error("a key was made for a forged tenant row")
		}
		g.raised(t, "tenant.integrity_failed", "forged")

		if _, err := g.svc.Authenticate(ctx, globex); err != nil {
			t.Fatalf("an untouched tenant's key: %v", err)
		}
		g.db.Exec(t, `UPDATE tenants SET name = 'Renamed' WHERE id = 'globex'`)
		g.later()
		keyRefused(t, g.svc, "name edited", globex)
		if err := g.svc.DisableTenant(ctx, "globex"); !errors.Is(err, vault.ErrIntegrity) {
			t.Errorf("disabling an edited row re-tagged it: %v", err)
		}
	})
}

// Rows from before the tenants' tags are tagged as they stand, once, at the
// next start (a disabled one stays disabled); after that an untagged row is
// refused at every start, and deleting the marker does not bring the
// tagging back while other rows carry tags.
func TestUntaggedTenantsAreTaggedOnceAtStart(t *testing.T) {
	eachTamperedStore(t, func(t *testing.T, g *guarded) {
		ctx := context.Background()
		restart := func() (*vault.Service, *bytes.Buffer) {
			t.Helper()
			logs := &bytes.Buffer{}
			svc := vault.New(g.db.Store, g.svc.Keyring(), vault.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
			if err := svc.Init(ctx); err != nil {
				t.Fatal(err)
			}
			return svc, logs
		}
		acme := g.tenantKey(t, "acme")
		off := g.tenantKey(t, "off")
		if err := g.svc.DisableTenant(ctx, "off"); err != nil {
			t.Fatal(err)
		}
		// The database as an older cardvault left it.
		g.db.Exec(t, `UPDATE tenants SET integrity = NULL`)
		g.later()
		g.db.Exec(t, `DELETE FROM meta WHERE key = ?`, vault.MetaTenantIntegrity)
		keyRefused(t, g.svc, "untagged, before the start that tags it", acme)

		svc, logs := restart()
		if _, err := svc.Authenticate(ctx, acme); err != nil {
			t.Fatalf("an enabled tenant's key after its row was tagged: %v", err)
		}
		keyRefused(t, svc, "a disabled tenant tagged as it stood", off)
		if n := strings.Count(logs.String(), "tagged for the first time"); n != 3 { // default, acme, off
			t.Errorf("%d rows logged as tagged, want 3: %s", n, logs)
		}

		// Re-enabling by stripping the tag is refused at every later start.
		g.db.Exec(t, `UPDATE tenants SET integrity = NULL, disabled_at = NULL WHERE id = 'off'`)
		svc, logs = restart()
		keyRefused(t, svc, "untagged and re-enabled after the tagging", off)
		if strings.Contains(logs.String(), "tagged for the first time") {
			t.Errorf("a later start tagged a row: %s", logs)
		}
		g.db.Exec(t, `DELETE FROM meta WHERE key = ?`, vault.MetaTenantIntegrity)
		svc, logs = restart()
		keyRefused(t, svc, "untagged, re-enabled and the marker deleted", off)
		if !strings.Contains(logs.String(), "tagging marker is gone") {
			t.Errorf("no log of the deleted marker: %s", logs)
		}
		g.db.Exec(t, `INSERT INTO meta (key, value) VALUES (?, ?)`, vault.MetaTenantIntegrity, []byte("forged marker"))
		svc, logs = restart()
		keyRefused(t, svc, "a forged marker", off)
		if !strings.Contains(logs.String(), "tagging marker was written outside the vault") {
			t.Errorf("no log of the forged marker: %s", logs)
		}
	})
}
