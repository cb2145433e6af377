package gr4vy_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
)

// sdkNetworkToken is a network token as the SDK parsed it.
type sdkNetworkToken struct {
	Type, ID, ExpirationDate, PaymentMethodID, Status, Token string
}

// TestOfficialSDKNetworkTokens runs the network-token flow of Gr4vy's
// TypeScript SDK (testdata/sdk/networktokens.mjs): with an API key holding
// cards:write, cards:read and cards:reveal, which sees the DPAN, and with a
// signed JWT of the SDK's default scopes, which sees it masked: no Gr4vy
// scope grants cards:reveal (docs/compat/gr4vy.md).
func TestOfficialSDKNetworkTokens(t *testing.T) {
	t.Parallel()
	node := sdkNode(t)
	for _, auth := range []string{"api key", "jwt"} {
		t.Run(auth, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "", forward.Options{})
			cred := "CARDVAULT_KEY=" + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead, vault.ScopeCardsReveal)
			if auth == "jwt" {
				cred = "CARDVAULT_PRIVATE_KEY_FILE=" + privateKeyFile(t, e)
			}
			out := checkSDKNetworkTokens(t, runSDK(t, node, "networktokens.mjs", "CARDVAULT_URL="+e.URL, cred))
			dpan, err := card.ParsePAN(out.Token)
			switch {
			case auth == "jwt" && (err == nil || !strings.Contains(out.Token, "*") || !strings.HasPrefix(out.Token, "400000")):
				t.Errorf("a JWT (no cards:reveal) saw token %q, want it masked", out.Token)
			case auth == "api key" && (err != nil || !strings.HasPrefix(dpan.Digits(), "400000") || dpan.Digits() == visaPAN):
				t.Errorf("a key with cards:reveal saw token %q (%v), want a sandbox Visa DPAN", out.Token, err)
			}
			e.AssertLogClean(t, visaPAN, jcbPAN)
		})
	}
}

// checkSDKNetworkTokens checks what networktokens.mjs printed and returns
// the provisioned token.
func checkSDKNetworkTokens(t *testing.T, stdout []byte) sdkNetworkToken {
	t.Helper()
	var out struct {
		PaymentMethodID                                  string
		Provisioned, Suspended, Resumed                  sdkNetworkToken
		Listed, AfterDelete                              []sdkNetworkToken
		Cryptograms                                      []struct{ Type, Cryptogram string }
		Deleted                                          bool
		WhileSuspended, ResumeDeleted, UnsupportedScheme json.RawMessage
		Error                                            *sdkErr
		ErrorBody                                        *string
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("script output %q: %v", stdout, err)
	}
	if out.Error != nil {
		t.Fatalf("the SDK failed: %+v, body %v", *out.Error, out.ErrorBody)
	}
	p := out.Provisioned
	if p.Type != "network-token" || p.Status != "active" || p.PaymentMethodID != out.PaymentMethodID || len(p.ExpirationDate) != 5 {
		t.Errorf("provisioned (as the SDK read it): %+v", p)
	}
	if len(out.Listed) != 1 || out.Listed[0].ID != p.ID {
		t.Errorf("listed: %+v", out.Listed)
	}
	if out.Suspended.Status != "suspended" || out.Resumed.Status != "active" {
		t.Errorf("suspend, resume: %+v, %+v", out.Suspended, out.Resumed)
	}
	if len(out.Cryptograms) != 2 || out.Cryptograms[0].Cryptogram == "" || out.Cryptograms[0].Cryptogram == out.Cryptograms[1].Cryptogram ||
		out.Cryptograms[0].Type != "network-token-cryptogram" {
		t.Errorf("cryptograms: %+v", out.Cryptograms)
	}
	if !out.Deleted || len(out.AfterDelete) != 1 || out.AfterDelete[0].Status != "deleted" {
		t.Errorf("after delete: %v %+v", out.Deleted, out.AfterDelete)
	}
	for name, tc := range map[string]struct {
		raw  json.RawMessage
		want string
	}{
		"cryptogram of a suspended token": {out.WhileSuspended, "suspended"},
		"resume of a deleted token":       {out.ResumeDeleted, "deleted"},
		"unsupported scheme":              {out.UnsupportedScheme, "does not tokenize jcb"},
	} {
		var e sdkErr
		if err := json.Unmarshal(tc.raw, &e); err != nil || e.StatusCode != 400 || e.Name != "Error400" || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%s: %s, want the SDK's Error400 saying %q", name, tc.raw, tc.want)
		}
	}
	return p
}
