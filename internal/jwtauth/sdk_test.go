package jwtauth

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// sdkDir is where CI installs Gr4vy's SDK (npm ci --prefix
// internal/api/gr4vy/testdata/sdk).
const sdkDir = "../api/gr4vy/testdata/sdk"

// TestGr4vySDKTokens is the known-answer test: tokens signed by Gr4vy's
// own SDK (withToken and getToken) with a key pair made by
// GenerateKeyPair verify, name the key by the thumbprint Thumbprint
// computes, carry the scopes and checkout session asked for, and cannot
// be replayed. It skips when node or the SDK is missing, unless
// CARDVAULT_TEST_REQUIRE_SDK=1 (CI), where it fails.
func TestGr4vySDKTokens(t *testing.T) {
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(sdkDir, "node_modules", "@gr4vy", "sdk", "package.json"))
	}
	if err != nil {
		if os.Getenv("CARDVAULT_TEST_REQUIRE_SDK") == "1" {
			t.Fatalf("the Gr4vy SDK test cannot run (%v); run: npm ci --prefix internal/api/gr4vy/testdata/sdk", err)
		}
		t.Skipf("node or @gr4vy/sdk missing (%v); run: npm ci --prefix internal/api/gr4vy/testdata/sdk", err)
	}
	privPEM, pub, err := GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := Thumbprint(pub)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "testdata/sdktoken.mjs")
	abs, _ := filepath.Abs(sdkDir)
	cmd.Env = append(os.Environ(), "GR4VY_SDK_DIR="+abs)
	cmd.Stdin = bytes.NewReader(privPEM)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node sdktoken.mjs: %v\n%s", err, stderr.String())
	}
	var out struct {
		WithToken []string
		Checkout  string
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || len(out.WithToken) != 2 {
		t.Fatalf("SDK output %q: %v", stdout.String(), err)
	}

	v := &Verifier{Keys: &mapKeys{keys: map[string]Key{kid: {ID: "k1", Tenant: "acme", Public: pub}}}, Replay: NewMemoryReplayCache(100, nil)}
	for _, raw := range out.WithToken {
		tok, err := v.Verify(t.Context(), raw)
		if err != nil {
			t.Fatalf("SDK withToken token refused: %v", err)
		}
		if tok.KeyID != kid || !slices.Equal(tok.Gr4vyScopes, []string{"*.read", "*.write"}) {
			t.Errorf("withToken token %+v", tok)
		}
		if life := time.Until(tok.Expiry); life <= 0 || life > 31*time.Second {
			t.Errorf("SDK token lives %v", life)
		}
	}
	if _, err := v.Verify(t.Context(), out.WithToken[0]); vault.CodeOf(err) != vault.CodeUnauthorized {
		t.Errorf("SDK token replayed: %v", err)
	}
	tok, err := v.Verify(t.Context(), out.Checkout)
	if err != nil {
		t.Fatal(err)
	}
	if tok.CheckoutSessionID != "8d3fe99b-1422-42e6-bbb3-932d95ae5f79" ||
		!slices.Equal(tok.Principal().Scopes, []vault.Scope{vault.ScopeCardsWrite, vault.ScopeCardsRead}) {
		t.Errorf("getToken token %+v scopes %v", tok, tok.Principal().Scopes)
	}
}
