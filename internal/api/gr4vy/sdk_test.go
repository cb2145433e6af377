package gr4vy_test

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

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/jwtauth"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/jwtkeys"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// sdkDir holds the pinned @gr4vy/sdk (package.json, package-lock.json) and
// the script that drives it. Install with:
//
//	npm ci --prefix internal/api/gr4vy/testdata/sdk
const sdkDir = "testdata/sdk"

// sdkPM is a payment method as the SDK parsed it (camelCase, validated by
// the SDK's own zod schemas).
type sdkPM struct {
	Type               string
	ID                 string
	Method             string
	Mode               string
	Scheme             string
	Label              string
	ExpirationDate     string
	Status             string
	MerchantAccountID  string
	ExternalIdentifier *string
	CreatedAt          time.Time
	Details            struct {
		BIN      string
		CardType *string
	}
}

// sdkErr is an error the SDK raised.
type sdkErr struct {
	Name       string
	StatusCode int
	Message    string
}

// sdkNode returns the node binary when Gr4vy's SDK is installed. It skips
// the test when node or the SDK is missing, unless
// CARDVAULT_TEST_REQUIRE_SDK=1 (CI), where it fails instead.
func sdkNode(t *testing.T) string {
	t.Helper()
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
	return node
}

// runSDK runs a script of sdkDir with node and the environment given, and
// returns what it printed.
func runSDK(t *testing.T, node, script string, env ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = sdkDir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v\nstderr:\n%s\nstdout:\n%s", script, err, stderr.String(), stdout.String())
	}
	t.Logf("what the SDK returned: %s", stdout.String())
	return stdout.Bytes()
}

// privateKeyFile makes a P-521 key pair, registers its public half for the
// default tenant and writes the private half where the SDK can read it.
func privateKeyFile(t *testing.T, e *vaulttest.Env) string {
	t.Helper()
	priv, pub, err := jwtauth.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwtkeys.New(e.Vault).Add(t.Context(), vault.DefaultTenant, "sdk", pub); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "private.pem")
	if err := os.WriteFile(path, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOfficialSDK runs Gr4vy's TypeScript SDK against the facade, once with
// an API key and once with withToken({ privateKey }): ES512 JWTs signed by
// the SDK with a key registered with the vault.
func TestOfficialSDK(t *testing.T) {
	t.Parallel()
	node := sdkNode(t)
	for _, auth := range []string{"api key", "jwt"} {
		t.Run(auth, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "", forward.Options{})
			cred := "CARDVAULT_KEY=" + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead)
			if auth == "jwt" {
				cred = "CARDVAULT_PRIVATE_KEY_FILE=" + privateKeyFile(t, e)
			}
			checkSDKRun(t, e, runSDK(t, node, "script.mjs", "CARDVAULT_URL="+e.URL, cred))
		})
	}
}

// checkSDKRun checks what script.mjs printed.
func checkSDKRun(t *testing.T, e *vaulttest.Env, stdout []byte) {
	var out struct {
		Created     []sdkPM
		Got         sdkPM
		Pages       [][]string
		Filtered    []string
		Deleted     bool
		AfterDelete json.RawMessage
		WrongKey    json.RawMessage
		Error       *sdkErr
		ErrorBody   *string
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("script output %q: %v", stdout, err)
	}
	if out.Error != nil {
		body := ""
		if out.ErrorBody != nil {
			body = *out.ErrorBody
		}
		t.Fatalf("the SDK failed: %+v, body %s", *out.Error, body)
	}
	if len(out.Created) != 3 {
		t.Fatalf("created %d payment methods, want 3", len(out.Created))
	}
	first := out.Created[0]
	if first.Type != "payment-method" || first.Method != "card" || first.Mode != "card" || first.Scheme != "visa" ||
		first.Label != "1111" || first.ExpirationDate != "12/39" || first.Status != "succeeded" ||
		first.MerchantAccountID != "default" || first.ExternalIdentifier == nil || *first.ExternalIdentifier != "sdk-a" ||
		first.Details.BIN != "411111" || first.CreatedAt.IsZero() {
		t.Errorf("created (as the SDK read it): %+v", first)
	}
	if amex := out.Created[2]; amex.Scheme != "amex" || amex.Details.CardType == nil || *amex.Details.CardType != "credit" {
		t.Errorf("amex (as the SDK read it): %+v", amex)
	}
	if out.Got.ID != first.ID || out.Got.Label != "1111" {
		t.Errorf("get: %+v, want %s", out.Got, first.ID)
	}
	want := [][]string{{out.Created[0].ID, out.Created[1].ID}, {out.Created[2].ID}}
	if !slices.EqualFunc(out.Pages, want, slices.Equal) {
		t.Errorf("the SDK's paginated list saw pages %v, want %v", out.Pages, want)
	}
	if !slices.Equal(out.Filtered, []string{out.Created[1].ID}) {
		t.Errorf("list by external identifier: %v, want [%s]", out.Filtered, out.Created[1].ID)
	}
	var afterDelete, wrongKey sdkErr
	if err := json.Unmarshal(out.AfterDelete, &afterDelete); err != nil || !out.Deleted || afterDelete.StatusCode != 404 || afterDelete.Name != "Error404" {
		t.Errorf("get after delete: %s (deleted %v), want the SDK's Error404", out.AfterDelete, out.Deleted)
	}
	if err := json.Unmarshal(out.WrongKey, &wrongKey); err != nil || wrongKey.StatusCode != 401 || wrongKey.Name != "Error401" {
		t.Errorf("wrong key: %s, want the SDK's Error401", out.WrongKey)
	}
	if hold, err := e.Vault.SecurityCodeStatus(t.Context(), vault.DefaultTenant, first.ID); err != nil || !hold.Held {
		t.Errorf("security code sent through the SDK is not held: %+v %v", hold, err)
	}
	e.AssertLogClean(t, visaPAN, mastercardPAN, amexPAN)
}

// TestOfficialSDKBuyersAndCheckout runs the buyer and checkout-session flow
// of Gr4vy's TypeScript SDK (testdata/sdk/checkout.mjs) with withToken({
// privateKey }).
func TestOfficialSDKBuyersAndCheckout(t *testing.T) {
	t.Parallel()
	node := sdkNode(t)
	e := newEnv(t, "", forward.Options{})
	stdout := runSDK(t, node, "checkout.mjs", "CARDVAULT_URL="+e.URL, "CARDVAULT_PRIVATE_KEY_FILE="+privateKeyFile(t, e))
	type ref struct{ ID string }
	var out struct {
		Buyer struct {
			ID          string
			DisplayName string
		}
		Shipping     struct{ ID, BuyerID string }
		Session      struct{ ID string }
		FieldsStatus int
		Filled       struct {
			PaymentMethod *struct{ Label, Scheme string }
		}
		Stored struct {
			ID, Label, ExpirationDate string
			Buyer                     *ref
		}
		BuyerMethods                         struct{ Items []ref }
		UpdatedBuyer                         struct{ DisplayName string }
		UpdatedSession                       struct{ Amount int }
		SessionAfterDelete, BuyerAfterDelete json.RawMessage
		Error                                *sdkErr
		ErrorBody                            *string
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("script output %q: %v", stdout, err)
	}
	if out.Error != nil {
		t.Fatalf("the SDK failed: %+v, body %v", *out.Error, out.ErrorBody)
	}
	if out.Buyer.DisplayName != "Ada Lovelace" || out.Shipping.BuyerID != out.Buyer.ID || out.FieldsStatus != 204 ||
		out.Filled.PaymentMethod == nil || out.Filled.PaymentMethod.Label != "1111" {
		t.Errorf("buyer, shipping, fields: %s", stdout)
	}
	if out.Stored.Label != "1111" || out.Stored.ExpirationDate != "12/39" || out.Stored.Buyer == nil || out.Stored.Buyer.ID != out.Buyer.ID {
		t.Errorf("stored from the session: %+v", out.Stored)
	}
	if len(out.BuyerMethods.Items) != 1 || out.BuyerMethods.Items[0].ID != out.Stored.ID {
		t.Errorf("buyer's payment methods: %+v", out.BuyerMethods)
	}
	if out.UpdatedBuyer.DisplayName != "Ada King" || out.UpdatedSession.Amount != 1500 {
		t.Errorf("updates: %s", stdout)
	}
	for name, raw := range map[string]json.RawMessage{"session": out.SessionAfterDelete, "buyer": out.BuyerAfterDelete} {
		var e sdkErr
		if err := json.Unmarshal(raw, &e); err != nil || e.StatusCode != 404 || e.Name != "Error404" {
			t.Errorf("%s after delete: %s, want the SDK's Error404", name, raw)
		}
	}
	e.AssertLogClean(t, visaPAN)
}
