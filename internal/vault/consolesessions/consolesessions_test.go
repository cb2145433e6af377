package consolesessions_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/consolesessions"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

var admin = vault.Principal{Tenant: vault.DefaultTenant, KeyID: "key_1", Scopes: []vault.Scope{vault.ScopeAdmin}}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	c := vaulttest.NewCore(t, vault.Options{})
	s := consolesessions.New(c.Vault, consolesessions.Options{TTL: 30 * time.Minute, Max: 2 * time.Hour})
	secret, ss, err := s.Create(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, secret)
	if err != nil || got.Principal.KeyID != "key_1" || got.CSRF != ss.CSRF || got.CSRF == "" {
		t.Fatalf("get: %+v %v", got, err)
	}
	// Neither the browser's secret nor the CSRF token is in the store's clear columns or data.
	recs, err := c.Store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindConsoleSession}, c.Clock.Now())
	if err != nil || len(recs) != 1 {
		t.Fatalf("records: %d %v", len(recs), err)
	}
	if r := recs[0]; r.ID == secret || strings.Contains(string(r.Data), ss.CSRF) || strings.Contains(string(r.Data), "key_1") {
		t.Error("the stored session shows its secret, token or key id in the clear")
	}
	if _, err := s.Get(ctx, secret+"x"); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("a wrong secret: %v", err)
	}
	// Use keeps it alive past the idle limit; the total limit ends it.
	for range 5 {
		c.Clock.Advance(20 * time.Minute)
		if _, err := s.Get(ctx, secret); err != nil {
			t.Fatalf("a session in use: %v", err)
		}
	}
	c.Clock.Advance(21 * time.Minute)
	if got, err := s.Get(ctx, secret); !errors.Is(err, consolesessions.ErrExpired) || got.Principal.KeyID != "key_1" {
		t.Errorf("past its total life: %v", err)
	}
	if _, err := s.Get(ctx, secret); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("after expiry: %v", err)
	}

	idle, _, _ := s.Create(ctx, admin)
	c.Clock.Advance(31 * time.Minute)
	if _, err := s.Get(ctx, idle); !errors.Is(err, consolesessions.ErrExpired) {
		t.Errorf("idle: %v", err)
	}
	ended, _, _ := s.Create(ctx, admin)
	if err := s.End(ctx, ended); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, ended); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("after sign-out: %v", err)
	}
	if err := s.End(ctx, "unknown"); err != nil {
		t.Errorf("ending an unknown session: %v", err)
	}
}
