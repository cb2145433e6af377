package gr4vy_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vault"
)

// TestForwardContentTypeGivenOnce: the body is escaped for the content type
// the provider receives, so a forwarded content-type with more than one
// value (which one would the provider read?) is a 400 and nothing is sent.
func TestForwardContentTypeGivenOnce(t *testing.T) {
	t.Parallel()
	u := newUpstream(t, nil)
	e := newEnv(t, u.rule(), forward.Options{})
	key := e.Key(t, vault.ScopeForward)
	id := storeCard(t, e, vault.DefaultTenant, visaPAN, "01/2030", `Ann","amount":1,"x":"`, "")
	const body = `{"name":"{{ CARD_HOLDER_NAME_1 }}","amount":100}`
	send := func(t *testing.T, lines ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest("POST", e.URL+"/vault-forward", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("X-Vault-Forward-Url", u.URL+"/charges")
		req.Header.Set("X-Vault-Forward-Http-Method", "POST")
		req.Header.Set("X-Vault-Forward-Payment-Methods", id)
		for i := 0; i+1 < len(lines); i += 2 {
			req.Header[lines[i]] = append(req.Header[lines[i]], lines[i+1]) // as written, several lines allowed
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	for _, tc := range []struct {
		name  string
		lines []string
	}{
		{"two lines", []string{"X-Vault-Forward-Header-Content-Type", "text/plain", "X-Vault-Forward-Header-Content-Type", "application/json"}},
		{"two spellings", []string{"x-vault-forward-header-content-type", "text/plain", "X-VAULT-FORWARD-HEADER-CONTENT-TYPE", "application/json"}},
		{"same value twice", []string{"X-Vault-Forward-Header-Content-Type", "application/json", "X-Vault-Forward-Header-Content-Type", "application/json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := send(t, tc.lines...)
			ge := assertError(t, resp, b, http.StatusBadRequest, "bad_request", "once")
			if len(ge.Details) != 1 || ge.Details[0].Pointer != "/x-vault-forward-header-content-type" {
				t.Errorf("details %s, want the content-type header named", b)
			}
		})
	}
	if n := len(u.requests()); n != 0 {
		t.Fatalf("a forward with two content types reached the upstream %d times", n)
	}
	// One value is rendered for and sent as that one type.
	resp, b := send(t, "X-Vault-Forward-Header-Content-Type", "application/json; charset=utf-8")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("one content type: %d %s", resp.StatusCode, b)
	}
	got := u.requests()
	if len(got) != 1 {
		t.Fatalf("upstream got %d requests", len(got))
	}
	if ct := got[0].Header.Values("Content-Type"); len(ct) != 1 || ct[0] != "application/json; charset=utf-8" {
		t.Errorf("upstream content type %q", ct)
	}
	if !strings.Contains(got[0].Body, `"name":"Ann\",\"amount\":1,\"x\":\""`) {
		t.Errorf("holder not JSON-escaped: %s", got[0].Body)
	}
}
