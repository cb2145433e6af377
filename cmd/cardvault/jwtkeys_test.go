package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cardvault/cardvault/internal/jwtauth"
)

// TestJWTKeyCommands: create-jwt writes a private key (0600) whose tokens
// the served Gr4vy facade accepts; add-jwt registers a public key once;
// delete-jwt makes tokens stop working.
func TestJWTKeyCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := envOf("CARDVAULT_DATA_DIR", filepath.Join(dir, "data"), "CARDVAULT_BOOTSTRAP_API_KEY", testBootstrap)
	privFile := filepath.Join(dir, "gr4vy.pem")
	var out, errOut strings.Builder
	if err := run(ctx, []string{"keys", "create-jwt", "--private-key-out", privFile, "--name", "shop"}, env, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	kid := regexp.MustCompile(`kid:\s+(\S+)`).FindStringSubmatch(out.String())
	if kid == nil || strings.Contains(out.String(), "PRIVATE KEY") {
		t.Fatalf("create-jwt printed:\n%s", out.String())
	}
	if fi, err := os.Stat(privFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v %v, want mode 0600", fi, err)
	}
	privPEM, _ := os.ReadFile(privFile)
	block, _ := pem.Decode(privPEM)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	priv := k.(*ecdsa.PrivateKey)
	if tp, _ := jwtauth.Thumbprint(&priv.PublicKey); tp != kid[1] {
		t.Fatalf("kid %s is not the key's thumbprint %s", kid[1], tp)
	}
	if err := run(ctx, []string{"keys", "create-jwt", "--private-key-out", privFile}, env, io.Discard, io.Discard); err == nil {
		t.Fatal("create-jwt overwrote an existing file")
	}

	pubPEM, _ := jwtauth.MarshalPublicKeyPEM(&priv.PublicKey)
	pubFile := filepath.Join(dir, "pub.pem")
	os.WriteFile(pubFile, pubPEM, 0o600)
	if err := run(ctx, []string{"keys", "add-jwt", "--public-key", pubFile}, env, io.Discard, io.Discard); err == nil {
		t.Fatal("the same public key registered twice")
	}
	if err := run(ctx, []string{"keys", "add-jwt", "--public-key", privFile}, env, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "public half") {
		t.Fatalf("add-jwt of a private key: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"keys", "list-jwt"}, env, &out, io.Discard); err != nil || !strings.Contains(out.String(), kid[1]) {
		t.Fatalf("list-jwt: %v\n%s", err, out.String())
	}

	sctx, cancel := context.WithCancel(ctx)
	addr, done := runServe(t, sctx, env)
	get := func() int {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES512, Key: priv}, (&jose.SignerOptions{}).WithHeader("kid", kid[1]))
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		tok, _ := jwt.Signed(signer).Claims(map[string]any{"scopes": []string{"*.read"}, "iat": now.Unix(), "nbf": now.Unix(),
			"exp": now.Add(30 * time.Second).Unix(), "jti": now.String()}).Serialize()
		req, _ := http.NewRequest("GET", "http://"+addr+"/payment-methods", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(); got != http.StatusOK {
		t.Fatalf("GET /payment-methods with a token of the created key: %d", got)
	}
	if err := run(ctx, []string{"keys", "delete-jwt", "--", kid[1]}, env, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != http.StatusUnauthorized {
		t.Fatalf("a deleted key's token: %d, want 401", got)
	}
	cancel()
	<-done
}
