package gr4vy_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/jwtkeys"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// merchantKey is a merchant's P-521 key registered with the vault.
type merchantKey struct {
	priv *ecdsa.PrivateKey
	kid  string
}

// registerKey makes a P-521 key pair and registers its public half for tenant.
func registerKey(t *testing.T, e *vaulttest.Env, tenant string) merchantKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwtkeys.New(e.Vault).Add(t.Context(), tenant, "test", &priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return merchantKey{priv: priv, kid: k.ID}
}

// claims are the claims @gr4vy/sdk's getToken signs, valid now for 30 s.
func claims(e *vaulttest.Env, scopes ...string) map[string]any {
	now := e.Vault.Now().Unix()
	return map[string]any{"scopes": scopes, "iat": now, "nbf": now, "exp": now + 30, "jti": uuid.NewString(),
		"iss": "Gr4vy TypeScript SDK"}
}

// signJWT signs c under alg with key, naming kid.
func signJWT(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, c map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// token signs c as the SDK does.
func (k merchantKey) token(t *testing.T, c map[string]any) string {
	return signJWT(t, jose.ES512, k.priv, k.kid, c)
}

// unsigned makes an alg "none" token naming kid.
func unsigned(kid string, c map[string]any) string {
	enc := base64.RawURLEncoding.EncodeToString
	head, _ := json.Marshal(map[string]any{"alg": "none", "typ": "JWT", "kid": kid})
	body, _ := json.Marshal(c)
	return enc(head) + "." + enc(body) + "."
}

// TestJWTAuthentication: a token signed the way Gr4vy's SDKs sign works
// beside API keys, and every bad token is a Gr4vy-shaped 401 (403 for a
// scope that does not cover the route) with nothing forwarded.
func TestJWTAuthentication(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	e := newEnv(t, u.rule(), forward.Options{})
	k := registerKey(t, e, vault.DefaultTenant)
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "07/2031", "Ann", "")
	fwd := func(bearer string) (*http.Response, []byte) {
		return e.Do(t, "POST", "/vault-forward", `{"n":"{{ CARD_NUMBER_1 }}"}`, "Authorization", "Bearer "+bearer,
			"Content-Type", "application/json", "X-Vault-Forward-Url", u.URL+"/charges",
			"X-Vault-Forward-Http-Method", "POST", "X-Vault-Forward-Payment-Methods", id)
	}

	resp, body := fwd(k.token(t, claims(e, "*.read", "*.write")))
	if resp.StatusCode != http.StatusOK || len(u.requests()) != 1 {
		t.Fatalf("forward with a good JWT: %d %s", resp.StatusCode, body)
	}
	resp, body = e.Do(t, "GET", "/payment-methods/"+id, "", "Authorization", "Bearer "+k.token(t, claims(e, "payment-methods.read")))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("get with payment-methods.read: %d %s", resp.StatusCode, body)
	}
	resp, body = e.Do(t, "GET", "/payment-methods/"+id, "", "Authorization", "Bearer "+e.Key(t, vault.ScopeCardsRead))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("an API key beside JWTs: %d %s", resp.StatusCode, body)
	}

	hmacKey := make([]byte, 64)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	stranger := merchantKey{kid: k.kid}
	if stranger.priv, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	expired := claims(e, "*.write")
	expired["iat"], expired["nbf"], expired["exp"] = e.Vault.Now().Add(-time.Hour).Unix(), e.Vault.Now().Add(-time.Hour).Unix(), e.Vault.Now().Add(-59*time.Minute).Unix()
	replayed := k.token(t, claims(e, "*.write"))
	if resp, body := fwd(replayed); resp.StatusCode != http.StatusOK {
		t.Fatalf("first use of the replayed token: %d %s", resp.StatusCode, body)
	}
	forwarded := len(u.requests())
	for _, tc := range []struct {
		name, token string
		status      int
		want        string
	}{
		{"alg none", unsigned(k.kid, claims(e, "*.write")), http.StatusUnauthorized, "only ES512"},
		{"HS512", signJWT(t, jose.HS512, hmacKey, k.kid, claims(e, "*.write")), http.StatusUnauthorized, "only ES512"},
		{"RS256", signJWT(t, jose.RS256, rsaKey, k.kid, claims(e, "*.write")), http.StatusUnauthorized, "only ES512"},
		{"unknown kid", signJWT(t, jose.ES512, stranger.priv, "bm90LWEta2lk", claims(e, "*.write")), http.StatusUnauthorized, "kid names no registered key"},
		{"signed by another key", stranger.token(t, claims(e, "*.write")), http.StatusUnauthorized, "signature"},
		{"expired", k.token(t, expired), http.StatusUnauthorized, "expired"},
		{"replayed", replayed, http.StatusUnauthorized, "already used"},
		{"scope not covering the route", k.token(t, claims(e, "buyers.read", "payment-methods.write")), http.StatusForbidden, "forward"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := fwd(tc.token)
			code := "unauthorized"
			if tc.status == http.StatusForbidden {
				code = "forbidden"
			}
			assertError(t, resp, body, tc.status, code, tc.want)
			if tc.status == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("no Bearer challenge: %q", resp.Header.Get("WWW-Authenticate"))
			}
			if n := len(u.requests()); n != forwarded {
				t.Errorf("a refused token forwarded (%d requests, want %d)", n, forwarded)
			}
		})
	}
}

// TestJWTOfAnotherTenantSeesOnlyItsTenant: a key authenticates the tenant
// it was registered for.
func TestJWTOfAnotherTenantSeesOnlyItsTenant(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", forward.Options{})
	e.TenantKey(t, "acme")
	k := registerKey(t, e, "acme")
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "07/2031", "", "")
	resp, body := e.Do(t, "GET", "/payment-methods/"+id, "", "Authorization", "Bearer "+k.token(t, claims(e, "*.read")))
	assertError(t, resp, body, http.StatusNotFound, "not_found", "could not be found")
}

// TestAPIKeyWithDotsIsNotAJWT: an operator's key may hold two dots; it is
// still an API key.
func TestAPIKeyWithDotsIsNotAJWT(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", forward.Options{})
	dotted := "operator.bootstrap.key-0123456789abcdef"
	if err := e.Vault.EnsureBootstrapKey(t.Context(), dotted); err != nil {
		t.Fatal(err)
	}
	resp, body := e.Do(t, "GET", "/payment-methods", "", "Authorization", "Bearer "+dotted)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = e.Do(t, "GET", "/payment-methods", "", "Authorization", "Bearer not.a.key")
	assertError(t, resp, body, http.StatusUnauthorized, "unauthorized", "")
}
