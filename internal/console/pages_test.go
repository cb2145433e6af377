package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/forms"
)

// TestTenantsPageIsForPlatformAdminsOnly checks the bootstrap key's session
// lists, creates and disables tenants (audited in the tenant's chain) and
// a tenant admin's session neither sees the page in the menu nor reaches
// it, nor can post to it.
func TestTenantsPageIsForPlatformAdminsOnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.TenantKey(t, "acme")

	tenantAdmin := newBrowser(t, e)
	tenantAdmin.signIn(e.Key(t, vault.ScopeAdmin))
	_, page := tenantAdmin.do("GET", "/console/keys", nil)
	if strings.Contains(page, "/console/tenants") {
		t.Error("a tenant admin's menu links the tenants page")
	}
	token := csrf(t, page)
	resp, page := tenantAdmin.do("GET", "/console/tenants", nil)
	if resp.StatusCode != http.StatusNotFound || strings.Contains(page, "acme") {
		t.Fatalf("tenant admin on the tenants page: %d", resp.StatusCode)
	}
	resp, _ = tenantAdmin.do("POST", "/console/tenants", url.Values{"csrf": {token}, "id": {"evil"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("tenant admin creating a tenant: %d", resp.StatusCode)
	}
	resp, _ = tenantAdmin.do("POST", "/console/tenants/acme/disable", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("tenant admin disabling a tenant: %d", resp.StatusCode)
	}
	resp, _ = tenantAdmin.do("POST", "/console/keys", url.Values{"csrf": {token}, "scope": {"platform:admin"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("tenant admin granting platform:admin: %d", resp.StatusCode)
	}
	ts, _ := e.Vault.ListTenants(ctx, vault.Page{Limit: 100})
	for _, tn := range ts {
		if tn.ID == "evil" || !tn.DisabledAt.IsZero() {
			t.Fatalf("a tenant admin changed tenants: %+v", ts)
		}
	}

	root := newBrowser(t, e)
	root.signIn(e.AdminKey)
	_, page = root.do("GET", "/console/tenants", nil)
	if !strings.Contains(page, `id="tenant-acme"`) || !strings.Contains(page, `id="nav-tenants"`) || strings.Contains(page, `id="disable-default"`) {
		t.Fatalf("the tenants page of the bootstrap key:\n%s", page)
	}
	token = csrf(t, page)
	resp, _ = root.do("POST", "/console/tenants", url.Values{"csrf": {token}, "id": {"globex"}, "name": {"Globex"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create tenant: %d", resp.StatusCode)
	}
	resp, _ = root.do("POST", "/console/tenants", url.Values{"id": {"nocsrf"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("create tenant without CSRF token: %d", resp.StatusCode)
	}
	resp, _ = root.do("POST", "/console/tenants/globex/disable", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable tenant: %d", resp.StatusCode)
	}
	resp, _ = root.do("POST", "/console/tenants/default/disable", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("disable own tenant: %d", resp.StatusCode)
	}
	_, page = root.do("GET", "/console/tenants", nil)
	if !strings.Contains(page, "disabled ") || strings.Contains(page, `id="disable-globex"`) {
		t.Errorf("globex not shown disabled")
	}
	if len(audited(t, e, "globex", "tenant.create")) != 1 || len(audited(t, e, "globex", "tenant.disable")) != 1 {
		t.Error("tenant create and disable are not in the tenant's audit chain")
	}
}

// TestForwardsFormsAndLastUsePages checks the forwards page shows host,
// status and latency of forward outcomes (not Guardian's pre-send entry),
// the forms page lists forms with a link to each, and the keys page shows
// a key's last use.
func TestForwardsFormsAndLastUsePages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, ev := range []audit.Event{
		{Action: "forward", Actor: "key_a", Detail: map[string]string{"dialect": "gr4vy", "host": "api.psp.example", "method": "POST", "status": "201", "latency_ms": "87"}},
		{Action: "forward", Actor: "key_b", Detail: map[string]string{"destination_host": "presend.example"}},
		{Action: "forward.result", Actor: "key_b", Detail: map[string]string{"destination_host": "guardian.example", "error": "timeout"}},
		{Action: "card.reveal", Actor: "key_c"},
	} {
		ev.Tenant = vault.DefaultTenant
		if err := e.Audit.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	f, err := e.Forms.CreateForm(ctx, vault.DefaultTenant, forms.FormInput{Type: forms.FormTypePCD, Title: "Checkout"})
	if err != nil {
		t.Fatal(err)
	}
	reader := e.Key(t, vault.ScopeCardsRead)
	if _, err := e.Vault.Authenticate(ctx, reader); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, e)
	b.signIn(e.AdminKey)
	resp, page := b.do("GET", "/console/forwards", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "api.psp.example") || !strings.Contains(page, "87 ms") ||
		!strings.Contains(page, "201") || !strings.Contains(page, "guardian.example") || !strings.Contains(page, "timeout") ||
		strings.Contains(page, "presend.example") || strings.Contains(page, "key_c") {
		t.Errorf("forwards page: %d\n%s", resp.StatusCode, page)
	}
	if resp.Header.Get("Content-Security-Policy") == "" || strings.Contains(page, "<script") {
		t.Error("forwards page without its CSP, or with script")
	}
	// The allowlist: built-in providers and the operator's rule, each with its source.
	if !strings.Contains(page, "<code>https://api.stripe.com:443</code></td><td>built in: Stripe") ||
		!strings.Contains(page, "<code>http://127.0.0.1:9000</code></td><td>configured") ||
		!strings.Contains(page, "1 from <code>CARDVAULT_FORWARD_ALLOW</code>, "+strconv.Itoa(len(forward.DefaultProviders))+" built in") {
		t.Errorf("the forwards page does not show the allowlist:\n%s", page)
	}
	_, page = b.do("GET", "/console/forms", nil)
	if !strings.Contains(page, `href="/v1/capture/iframe/`+f.ID+`"`) || !strings.Contains(page, "Checkout") {
		t.Errorf("forms page:\n%s", page)
	}
	_, page = b.do("GET", "/console/keys", nil)
	if strings.Count(page, `<td class="last-used">—</td>`) != strings.Count(page, `class="last-used"`)-2 {
		t.Errorf("the keys page does not show the reader's and the bootstrap key's last use:\n%s", page)
	}

	other := newBrowser(t, e)
	other.signIn(e.TenantKey(t, "acme"))
	_, page = other.do("GET", "/console/forwards", nil)
	if strings.Contains(page, "api.psp.example") {
		t.Error("another tenant sees the default tenant's forwards")
	}
	_, page = other.do("GET", "/console/forms", nil)
	if strings.Contains(page, f.ID) {
		t.Error("another tenant sees the default tenant's forms")
	}
}
