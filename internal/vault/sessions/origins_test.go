package sessions_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/sessions"
)

func TestSessionAllowedOrigins(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	s, err := svc.dom.CreateSession(ctx, sessions.Params{Tenant: vault.DefaultTenant, Purpose: sessions.Tokenize,
		AllowedOrigins: []string{"HTTPS://Shop.Example:443/", "https://shop.example", "http://127.0.0.1:8081"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://shop.example", "http://127.0.0.1:8081"}
	if !slices.Equal(s.AllowedOrigins, want) {
		t.Errorf("created with %q, want %q", s.AllowedOrigins, want)
	}
	for name, read := range map[string]func() (sessions.Session, error){
		"browser":  func() (sessions.Session, error) { return svc.dom.Session(ctx, s.ID) },
		"merchant": func() (sessions.Session, error) { return svc.dom.TenantSession(ctx, vault.DefaultTenant, s.ID) },
	} {
		if got, err := read(); err != nil || !slices.Equal(got.AllowedOrigins, want) {
			t.Errorf("%s read %q, %v", name, got.AllowedOrigins, err)
		}
	}
	if _, err := svc.dom.CompleteSession(ctx, s.ID, sessionCard(t)); err != nil {
		t.Fatal(err)
	}
	if got, _ := svc.dom.Session(ctx, s.ID); !slices.Equal(got.AllowedOrigins, want) {
		t.Errorf("a completed session lost its origins: %q", got.AllowedOrigins)
	}

	none, err := svc.dom.CreateSession(ctx, sessions.Params{Tenant: vault.DefaultTenant, Purpose: sessions.Tokenize})
	if err != nil || none.AllowedOrigins != nil {
		t.Errorf("without origins: %q, %v", none.AllowedOrigins, err)
	}
}

func TestSessionAllowedOriginsRefused(t *testing.T) {
	svc := newEnv(t)
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
		_, err := svc.dom.CreateSession(ctx, sessions.Params{Tenant: vault.DefaultTenant, Purpose: sessions.Tokenize, AllowedOrigins: origins})
		if e := vault.AsError(err); vault.CodeOf(err) != vault.CodeInvalid || e.Field != "allowed_origins" {
			t.Errorf("%s: %v", name, err)
		}
	}
	rs, err := svc.Store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindSession, Page: vault.Page{Limit: 10}}, svc.Vault.Now())
	if err != nil || len(rs) != 0 {
		t.Errorf("refused sessions were stored: %d, %v", len(rs), err)
	}
}

// A session's allowed origins decide who may frame its card form, so they
// are sealed like a hosted form's settings: the store holds no origin in
// the clear, a writer to the store cannot add one, and a sealed list moved
// from another session does not open.
func TestSessionAllowedOriginsSealed(t *testing.T) {
	svc := newEnv(t)
	ctx := context.Background()
	newSession := func(origins ...string) (sessions.Session, vault.Record) {
		t.Helper()
		s, err := svc.dom.CreateSession(ctx, sessions.Params{Tenant: vault.DefaultTenant, Purpose: sessions.Tokenize, AllowedOrigins: origins})
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte("session:" + s.ID)) // the record id is the hash of the session id
		r, err := svc.Store.GetRecord(ctx, vault.KindSession, hex.EncodeToString(sum[:]), svc.Vault.Now())
		if err != nil {
			t.Fatal(err)
		}
		return s, r
	}
	shop, shopRec := newSession("https://shop.example")
	if strings.Contains(string(shopRec.Data), "shop.example") {
		t.Fatalf("origins stored in the clear: %s", shopRec.Data)
	}

	// A writer adds an origin in the clear to a session without origins.
	plain, plainRec := newSession()
	var d map[string]any
	if err := json.Unmarshal(plainRec.Data, &d); err != nil {
		t.Fatal(err)
	}
	d["allowed_origins"] = []string{"https://evil.example"}
	plainRec.Data, _ = json.Marshal(d)
	if _, err := svc.Store.UpdateRecord(ctx, plainRec, svc.Vault.Now()); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func() (sessions.Session, error){
		"browser":  func() (sessions.Session, error) { return svc.dom.Session(ctx, plain.ID) },
		"merchant": func() (sessions.Session, error) { return svc.dom.TenantSession(ctx, vault.DefaultTenant, plain.ID) },
	} {
		if got, err := read(); err != nil || got.AllowedOrigins != nil {
			t.Errorf("%s read a written origin: %q, %v", name, got.AllowedOrigins, err)
		}
	}

	// A writer moves the shop's sealed record data (and with it its origin
	// list) onto the plain session: it does not open there, and the session
	// is refused rather than framed by it.
	var shopData map[string]json.RawMessage
	_ = json.Unmarshal(shopRec.Data, &shopData)
	plainRec, err := svc.Store.GetRecord(ctx, vault.KindSession, plainRec.ID, svc.Vault.Now())
	if err != nil {
		t.Fatal(err)
	}
	d = map[string]any{}
	_ = json.Unmarshal(plainRec.Data, &d)
	d["sealed"] = shopData["sealed"]
	plainRec.Data, _ = json.Marshal(d)
	if _, err := svc.Store.UpdateRecord(ctx, plainRec, svc.Vault.Now()); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.dom.Session(ctx, plain.ID); err == nil {
		t.Errorf("a moved origin list opened: %q", got.AllowedOrigins)
	}
	if got, err := svc.dom.Session(ctx, shop.ID); err != nil || !slices.Equal(got.AllowedOrigins, []string{"https://shop.example"}) {
		t.Errorf("shop session: %q, %v", got.AllowedOrigins, err)
	}
}
