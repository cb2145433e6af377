package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// storeCard stores a card for tenant and returns its id.
func storeCard(t *testing.T, e *vaulttest.Env, tenant, pan string) string {
	t.Helper()
	exp, _ := card.NewExpiry(12, 2034)
	cv, err := e.Vault.CreateCard(context.Background(), tenant, vault.CardInput{PAN: vaulttest.MustPAN(t, pan), Expiry: exp})
	if err != nil {
		t.Fatal(err)
	}
	return cv.ID
}

// provision makes n network tokens for cardID.
func provision(t *testing.T, e *vaulttest.Env, tenant, cardID string, n int) []tsp.Token {
	t.Helper()
	var out []tsp.Token
	for range n {
		tok, err := e.NetworkTokens.Provision(context.Background(), tenant, cardID, networktokens.ProvisionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tok)
	}
	return out
}

// The network tokens page lists the tenant's tokens with the DPAN's last
// four digits only (never the DPAN nor the card's number), the sandbox
// marker and the newest lifecycle events first; another tenant sees none.
func TestNetworkTokensPageMasksNumbers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	visa := storeCard(t, e, vault.DefaultTenant, "4111111111111111")
	mc := storeCard(t, e, vault.DefaultTenant, "5555555555554444")
	toks := append(provision(t, e, vault.DefaultTenant, visa, 1), provision(t, e, vault.DefaultTenant, mc, 1)...)
	if _, err := e.NetworkTokens.Suspend(ctx, vault.DefaultTenant, toks[1].ID); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, e)
	b.signIn(e.AdminKey)
	resp, page := b.do("GET", "/console/network-tokens", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("network tokens page: %d", resp.StatusCode)
	}
	for _, tok := range toks {
		row := regexp.MustCompile(`(?s)<tr id="token-` + tok.ID + `">.*?</tr>`).FindString(page)
		if !strings.Contains(row, "•••• "+tok.DPAN.Last4()) || !strings.Contains(row, tok.CardID) || !strings.Contains(row, `class="sandbox"`) ||
			!strings.Contains(row, string(tok.Scheme)) || !strings.Contains(row, tok.Expiry.String()) {
			t.Errorf("token %s row:\n%s", tok.ID, row)
		}
	}
	if !regexp.MustCompile(`(?s)<tr id="token-` + toks[1].ID + `">.*?suspended.*?</tr>`).MatchString(page) {
		t.Error("the suspended token does not say so")
	}
	events := regexp.MustCompile(`(?s)<table id="token-events">.*?</table>`).FindString(page)
	suspended, provisioned := strings.Index(events, "network_token.suspended"), strings.Index(events, "network_token.provisioned")
	if suspended < 0 || provisioned < 0 || suspended > provisioned {
		t.Errorf("events, newest first:\n%s", events)
	}
	assertNoNumbers(t, page, toks, "4111111111111111", "5555555555554444")

	// One card's tokens and events.
	_, page = b.do("GET", "/console/network-tokens?card="+mc, nil)
	if strings.Contains(page, `id="token-`+toks[0].ID+`"`) || !strings.Contains(page, `id="token-`+toks[1].ID+`"`) || strings.Contains(page, visa) {
		t.Errorf("filtered by card %s:\n%s", mc, page)
	}
	for _, bad := range []string{"card=" + url.QueryEscape("<script>"), "after=" + strings.Repeat("a", 65), "card=a%00b"} {
		if resp, page := b.do("GET", "/console/network-tokens?"+bad, nil); resp.StatusCode != http.StatusBadRequest || strings.Contains(page, "<script>") {
			t.Errorf("%s: %d", bad, resp.StatusCode)
		}
	}

	other := newBrowser(t, e)
	other.signIn(e.TenantKey(t, "acme"))
	if _, page := other.do("GET", "/console/network-tokens", nil); strings.Contains(page, toks[0].ID) || strings.Contains(page, visa) ||
		!strings.Contains(page, "No network tokens") {
		t.Errorf("another tenant's page:\n%s", page)
	}
	e.AssertLogClean(t, "4111111111111111", "5555555555554444", toks[0].DPAN.Digits(), toks[1].DPAN.Digits())
}

// assertNoNumbers fails when page holds a token's DPAN or a card number,
// whole or as its first six and last four digits.
func assertNoNumbers(t *testing.T, page string, toks []tsp.Token, pans ...string) {
	t.Helper()
	for _, tok := range toks {
		pans = append(pans, tok.DPAN.Digits())
	}
	for i, p := range pans {
		if strings.Contains(page, p) || strings.Contains(page, p[:6]) {
			t.Errorf("the page shows number %d (or its first six digits)", i)
		}
	}
	if regexp.MustCompile(`\d{13,19}`).MatchString(page) || strings.Contains(strings.ToLower(page), "<script") {
		t.Error("the page holds a card-number-like digit run, or script")
	}
}

// The page pages through tokens (a bounded page, a next link while more
// exist) and shows at most the newest events.
func TestNetworkTokensPagePages(t *testing.T) {
	e := newEnv(t)
	cardID := storeCard(t, e, vault.DefaultTenant, "4111111111111111")
	toks := provision(t, e, vault.DefaultTenant, cardID, 51)
	b := newBrowser(t, e)
	b.signIn(e.AdminKey)
	_, page := b.do("GET", "/console/network-tokens", nil)
	next := regexp.MustCompile(`id="next-page"`).FindString(page)
	link := regexp.MustCompile(`href="/console/network-tokens\?after=([^"]+)" id="next-page"`).FindStringSubmatch(page)
	if next == "" || link == nil || strings.Count(page, `<tr id="token-`) != 50 || strings.Count(page, "network_token.provisioned") != 50 {
		t.Fatalf("first page: %d tokens, next %v", strings.Count(page, `<tr id="token-`), link)
	}
	_, page = b.do("GET", "/console/network-tokens?after="+link[1], nil)
	if strings.Count(page, `<tr id="token-`) != 1 || strings.Contains(page, `id="next-page"`) || !strings.Contains(page, `id="first-page"`) {
		t.Fatalf("second page:\n%s", page)
	}
	assertNoNumbers(t, page, toks, "4111111111111111")
}

// Only an admin key's session reaches the page: a non-admin key's sign-in
// is refused and audited, and without a session the page sends to sign-in.
func TestNetworkTokensPageNeedsAdminSession(t *testing.T) {
	e := newEnv(t)
	cardID := storeCard(t, e, vault.DefaultTenant, "4111111111111111")
	provision(t, e, vault.DefaultTenant, cardID, 1)
	b := newBrowser(t, e)
	if resp, page := b.signIn(e.Key(t, vault.ScopeCardsRead, vault.ScopeCardsWrite, vault.ScopeCardsReveal)); resp.StatusCode != http.StatusForbidden || strings.Contains(page, cardID) {
		t.Fatalf("non-admin sign-in: %d", resp.StatusCode)
	}
	if got := reasons(t, e, vault.DefaultTenant, "console.signin_refused"); len(got) != 1 || !strings.HasSuffix(got[0], ": not an admin key") {
		t.Errorf("audited refusals: %q", got)
	}
	for _, path := range []string{"/console/network-tokens", "/console/webhooks"} {
		resp, page := b.do("GET", path, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" || strings.Contains(page, cardID) {
			t.Errorf("%s without a session: %d %s", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// A session whose key was revoked since sign-in is refused, audited.
	admin := e.Key(t, vault.ScopeAdmin)
	b.signIn(admin)
	if resp, page := b.do("GET", "/console/network-tokens", nil); resp.StatusCode != http.StatusOK || !strings.Contains(page, cardID) {
		t.Fatalf("admin session: %d", resp.StatusCode)
	}
	keys, _ := e.Vault.ListAPIKeys(context.Background(), vault.DefaultTenant, vault.Page{Limit: 100})
	for _, k := range keys {
		if k.Name != "bootstrap" {
			if err := e.Vault.RevokeAPIKey(context.Background(), vault.DefaultTenant, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if resp, page := b.do("GET", "/console/network-tokens", nil); resp.StatusCode != http.StatusUnauthorized || strings.Contains(page, cardID) {
		t.Errorf("session of a revoked key: %d", resp.StatusCode)
	}
	if got := reasons(t, e, vault.DefaultTenant, "console.refused"); len(got) != 1 || !strings.Contains(got[0], "key no longer valid") {
		t.Errorf("audited refusals: %q", got)
	}
}
