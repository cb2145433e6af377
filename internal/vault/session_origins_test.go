package vault_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

func TestSessionAllowedOrigins(t *testing.T) {
	svc, _, _, _ := newService(t)
	ctx := context.Background()
	s, err := svc.CreateSession(ctx, vault.NewSession{Tenant: vault.DefaultTenant, Purpose: vault.SessionTokenize,
		AllowedOrigins: []string{"HTTPS://Shop.Example:443/", "https://shop.example", "http://127.0.0.1:8081"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://shop.example", "http://127.0.0.1:8081"}
	if !slices.Equal(s.AllowedOrigins, want) {
		t.Errorf("created with %q, want %q", s.AllowedOrigins, want)
	}
	for name, read := range map[string]func() (vault.Session, error){
		"browser":  func() (vault.Session, error) { return svc.Session(ctx, s.ID) },
		"merchant": func() (vault.Session, error) { return svc.TenantSession(ctx, vault.DefaultTenant, s.ID) },
	} {
		if got, err := read(); err != nil || !slices.Equal(got.AllowedOrigins, want) {
			t.Errorf("%s read %q, %v", name, got.AllowedOrigins, err)
		}
	}
	if _, err := svc.CompleteSession(ctx, s.ID, sessionCard(t)); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.Session(ctx, s.ID); !slices.Equal(got.AllowedOrigins, want) {
		t.Errorf("a completed session lost its origins: %q", got.AllowedOrigins)
	}

	none, err := svc.CreateSession(ctx, vault.NewSession{Tenant: vault.DefaultTenant, Purpose: vault.SessionTokenize})
	if err != nil || none.AllowedOrigins != nil {
		t.Errorf("without origins: %q, %v", none.AllowedOrigins, err)
	}
}

func TestSessionAllowedOriginsRefused(t *testing.T) {
	svc, store, _, _ := newService(t)
	ctx := context.Background()
	many := make([]string, vault.MaxFormOrigins+1)
	for i := range many {
		many[i] = "https://shop" + strings.Repeat("x", i) + ".example"
	}
	for name, origins := range map[string][]string{
		"too many":       many,
		"empty":          {""},
		"path":           {"https://shop.example/checkout"},
		"wildcard":       {"https://*.shop.example"},
		"scheme":         {"javascript://shop.example"},
		"directive":      {"https://shop.example; script-src *"},
		"user info":      {"https://user@shop.example"},
		"query":          {"https://shop.example?x=1"},
		"second one bad": {"https://shop.example", "ftp://shop.example"},
	} {
		_, err := svc.CreateSession(ctx, vault.NewSession{Tenant: vault.DefaultTenant, Purpose: vault.SessionTokenize, AllowedOrigins: origins})
		if e := vault.AsError(err); vault.CodeOf(err) != vault.CodeInvalid || e.Field != "allowed_origins" {
			t.Errorf("%s: %v", name, err)
		}
	}
	rs, err := store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.SessionKind, Page: vault.Page{Limit: 10}}, svc.Now())
	if err != nil || len(rs) != 0 {
		t.Errorf("refused sessions were stored: %d, %v", len(rs), err)
	}
}
