package jwtkeys_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/jwtauth"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/jwtkeys"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func newKey(t *testing.T) (kid string, k jwtauth.Key) {
	t.Helper()
	_, pub, err := jwtauth.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	kid, _ = jwtauth.Thumbprint(pub)
	return kid, jwtauth.Key{Public: pub}
}

func TestKeyIsFoundByThumbprintAndBelongsToOneTenant(t *testing.T) {
	t.Parallel()
	c := vaulttest.NewCore(t, vault.Options{})
	ctx := t.Context()
	if _, err := c.Vault.CreateTenant(ctx, "acme", "acme"); err != nil {
		t.Fatal(err)
	}
	s := jwtkeys.New(c.Vault)
	kid, k := newKey(t)
	added, err := s.Add(ctx, vault.DefaultTenant, "ci", k.Public)
	if err != nil || added.ID != kid {
		t.Fatalf("add: %+v %v, want id %s", added, err, kid)
	}
	got, err := s.JWTKey(ctx, kid)
	if err != nil || got.Tenant != vault.DefaultTenant || !got.Public.Equal(k.Public) {
		t.Fatalf("JWTKey: %+v %v", got, err)
	}
	if _, err := s.Add(ctx, "acme", "", k.Public); vault.CodeOf(err) != vault.CodeConflict {
		t.Fatalf("the same key for a second tenant: %v, want conflict", err)
	}
	if err := s.Delete(ctx, "acme", kid); vault.CodeOf(err) != vault.CodeNotFound {
		t.Fatalf("another tenant deletes the key: %v, want not found", err)
	}
	if list, err := s.List(ctx, "acme", vault.Page{}); err != nil || len(list) != 0 {
		t.Fatalf("another tenant lists %v %v", list, err)
	}
	if list, err := s.List(ctx, vault.DefaultTenant, vault.Page{}); err != nil || len(list) != 1 || list[0].Name != "ci" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := s.Delete(ctx, vault.DefaultTenant, kid); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JWTKey(ctx, kid); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("a deleted key is found: %v", err)
	}
}

func TestAUseIsRememberedAcrossServicesUntilItExpires(t *testing.T) {
	t.Parallel()
	c := vaulttest.NewCore(t, vault.Options{})
	ctx := t.Context()
	// Two services on one store stand for two nodes.
	node1, node2 := jwtkeys.New(c.Vault), jwtkeys.New(c.Vault)
	exp := c.Clock.Now().Add(30 * time.Second)
	if fresh, err := node1.Remember(ctx, vault.DefaultTenant, "kid\x00jti-1", exp); !fresh || err != nil {
		t.Fatalf("first use: %v %v", fresh, err)
	}
	if fresh, err := node2.Remember(ctx, vault.DefaultTenant, "kid\x00jti-1", exp); fresh || err != nil {
		t.Fatalf("second use on another node: fresh=%v %v, want refused", fresh, err)
	}
	if fresh, err := node2.Remember(ctx, vault.DefaultTenant, "kid\x00jti-2", exp); !fresh || err != nil {
		t.Fatalf("another jti: %v %v", fresh, err)
	}
	if fresh, err := node1.Remember(ctx, vault.DefaultTenant, "other\x00jti-1", exp); !fresh || err != nil {
		t.Fatalf("the same jti under another kid: %v %v", fresh, err)
	}
}

func TestVerifierWithStoreBackedKeysAndReplay(t *testing.T) {
	t.Parallel()
	c := vaulttest.NewCore(t, vault.Options{})
	s := jwtkeys.New(c.Vault)
	_, k := newKey(t)
	if _, err := s.Add(t.Context(), vault.DefaultTenant, "", k.Public); err != nil {
		t.Fatal(err)
	}
	v := &jwtauth.Verifier{Keys: s, Replay: s, Now: c.Clock.Now}
	// Unknown kid: refused without a lookup hit.
	if _, err := v.Verify(t.Context(), "eyJhbGciOiJFUzUxMiIsImtpZCI6Im5vIn0.e30.c2ln"); !errors.Is(err, jwtauth.ErrUnknownKey) {
		t.Fatalf("unknown kid: %v", err)
	}
}
