package main

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
)

func TestRotateMasterCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	oldKey := base64.StdEncoding.EncodeToString(seal.GenerateKey())
	newKey := base64.StdEncoding.EncodeToString(seal.GenerateKey())
	before := envOf("CARDVAULT_DATA_DIR", dir, "CARDVAULT_MASTER_KEY", oldKey)
	var out strings.Builder
	if err := run(ctx, []string{"tenants", "create", "shop-b", "--name=Shop B"}, before, &out, io.Discard); err != nil {
		t.Fatalf("tenants create: %v", err)
	}
	if err := run(ctx, []string{"keys", "create", "--scopes=cards:read", "--name=before"}, before, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	during := envOf("CARDVAULT_DATA_DIR", dir, "CARDVAULT_MASTER_KEY", newKey, "CARDVAULT_MASTER_KEY_PREVIOUS", oldKey)
	out.Reset()
	var progress strings.Builder
	if err := run(ctx, []string{"rotate", "master"}, during, &out, &progress); err != nil {
		t.Fatalf("rotate master: %v", err)
	}
	if !strings.Contains(out.String(), "4 keys re-wrapped") || !strings.Contains(progress.String(), "4/4 (100%)") {
		t.Fatalf("rotate master said %q, progress %q", out.String(), progress.String())
	}
	after := envOf("CARDVAULT_DATA_DIR", dir, "CARDVAULT_MASTER_KEY", newKey)
	out.Reset()
	if err := run(ctx, []string{"keys", "status"}, after, &out, io.Discard); err != nil {
		t.Fatalf("keys status with the new key alone: %v", err)
	}
	if strings.Count(out.String(), "(current)") != 4 || !strings.Contains(out.String(), "rotation: last was master, 4/4") {
		t.Fatalf("keys status:\n%s", out.String())
	}
	// API keys made before the rotation keep their integrity tags.
	out.Reset()
	if err := run(ctx, []string{"keys", "list"}, after, &out, io.Discard); err != nil || !strings.Contains(out.String(), "before") {
		t.Fatalf("keys list with the new key alone: %v\n%s", err, out.String())
	}
	err := run(ctx, []string{"keys", "list"}, before, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "master key does not match") {
		t.Fatalf("old key alone after rotation: %v", err)
	}
	if err := run(ctx, []string{"rotate", "master"}, after, io.Discard, io.Discard); err == nil {
		t.Fatal("rotate master without a previous key ran")
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "list"}, after, &out, io.Discard); err != nil || !strings.Contains(out.String(), "keys.rotate_master") {
		t.Fatalf("rotation not audited: %v\n%s", err, out.String())
	}
}

// With the tenant cache off (CARDVAULT_TENANT_CACHE_TTL=0), a tenant
// disabled by another process stops its keys on a running server at once.
// (With it on, within its TTL: internal/vault/tenantstate_test.go.)
func TestDisabledTenantKeysStopAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	env := envOf("CARDVAULT_DATA_DIR", dir, "CARDVAULT_MASTER_KEY", base64.StdEncoding.EncodeToString(seal.GenerateKey()))
	if err := run(ctx, []string{"tenants", "create", "shop-c"}, env, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(ctx, []string{"keys", "create", "--tenant=shop-c", "--scopes=cards:read"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	secret := ""
	for _, line := range strings.Split(out.String(), "\n") {
		if s, ok := strings.CutPrefix(line, "secret:"); ok {
			secret = strings.TrimSpace(s)
		}
	}
	addr, _ := runServe(t, ctx, env, "--tenant-cache-ttl=0")
	get := func() int {
		req, _ := http.NewRequest("GET", "http://"+addr+"/cardvault/v1/cards", nil)
		req.Header.Set("x-api-key", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(); code != http.StatusOK {
		t.Fatalf("key of an enabled tenant: %d", code)
	}
	// Disabled by another process (as on another node), while the server runs.
	if err := run(ctx, []string{"tenants", "disable", "shop-c"}, env, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if code := get(); code != http.StatusUnauthorized {
		t.Fatalf("key of a disabled tenant: %d, want 401", code)
	}
	out.Reset()
	if err := run(ctx, []string{"tenants", "list"}, env, &out, io.Discard); err != nil || !strings.Contains(out.String(), "shop-c") {
		t.Fatalf("tenants list: %v\n%s", err, out.String())
	}
}
