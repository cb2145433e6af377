package guardian_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// networkFixture is a vault with a forward upstream and one active
// sandbox network token of the default tenant, with its DPAN.
func networkFixture(t *testing.T) (*vaulttest.Env, *upstream, netToken, string) {
	t.Helper()
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	pci := createToken(t, e, e.AdminKey, panBody)
	nt := provisionNetwork(t, e, e.AdminKey, `{"source":{"type":"pci_token","id":"`+pci.ID+`"}}`)
	tok, err := e.NetworkTokens.Get(t.Context(), vault.DefaultTenant, nt.ID)
	if err != nil {
		t.Fatal(err)
	}
	return e, u, nt, tok.DPAN.Digits()
}

// TestNetworkTokenNarrowKeys: a key with only the forward scope
// (network:tokens:use) or only read cannot obtain a DPAN or a cryptogram
// in the clear; an inline cryptogram needs cards:reveal.
func TestNetworkTokenNarrowKeys(t *testing.T) {
	t.Parallel()
	e, _, nt, dpan := networkFixture(t)
	use, read := e.Key(t, vault.ScopeForward), e.Key(t, vault.ScopeCardsRead)
	reveal := e.Key(t, vault.ScopeForward, vault.ScopeCardsReveal)
	path := "/api/network/tokens/" + nt.ID + "/cryptograms"

	resp, b := e.Do(t, "POST", path, `{"mode":"inline"}`, "x-api-key", use)
	wantError(t, resp, b, http.StatusForbidden, "cards:reveal", "mode reference")
	// No mode: the forward scope gets a reference, as Guardian's SAQ-A
	// instances are forced to reference mode.
	resp, b = e.Do(t, "POST", path, `{"type":"ecom","amount":100,"currency_code":"EUR"}`, "x-api-key", use)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"cryptogram_reference"`) || strings.Contains(string(b), dpan) ||
		strings.Contains(string(b), `"cryptogram":`) || !strings.Contains(string(b), `"sandbox":true`) {
		t.Fatalf("cryptogram for a forward-only key: %d %s", resp.StatusCode, b)
	}
	for _, mode := range []string{`{}`, `{"mode":"inline"}`} {
		resp, b = e.Do(t, "POST", path, mode, "x-api-key", reveal)
		if in := vaulttest.Decode[inlineCryptogram](t, b); resp.StatusCode != 200 || in.Number != dpan || in.Cryptogram == "" || !in.Sandbox {
			t.Fatalf("inline for a reveal key (%s): %d %s", mode, resp.StatusCode, b)
		}
	}
	// Read: masked only, and no cryptograms.
	resp, b = e.Do(t, "POST", path, `{"mode":"reference"}`, "x-api-key", read)
	wantError(t, resp, b, http.StatusForbidden)
	for _, p := range []string{"/api/network/tokens/" + nt.ID, "/api/network/tokens?limit=10"} {
		resp, b = e.Do(t, "GET", p, "", "x-api-key", read)
		if resp.StatusCode != 200 || strings.Contains(string(b), dpan) || strings.Contains(string(b), pan) || !strings.Contains(string(b), `"sandbox":true`) {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, b)
		}
	}
	e.AssertLogClean(t, pan, dpan)
}

// TestNetworkTokenOtherTenant: another tenant's admin key finds neither
// the token nor its cryptogram references, and trying does not spend one.
func TestNetworkTokenOtherTenant(t *testing.T) {
	t.Parallel()
	e, u, nt, _ := networkFixture(t)
	ref := mintReference(t, e, e.AdminKey, nt.ID, `{"mode":"reference"}`)
	globex := e.TenantKey(t, "globex")
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/network/tokens/" + nt.ID, ""},
		{"DELETE", "/api/network/tokens/" + nt.ID, ""},
		{"POST", "/api/network/tokens/" + nt.ID + "/cryptograms", `{"mode":"inline"}`},
		{"POST", "/api/metadata/inquiries", `{"source":{"type":"network_token","id":"` + nt.ID + `"}}`},
	} {
		resp, b := e.Do(t, tc.method, tc.path, tc.body, "x-api-key", globex)
		wantError(t, resp, b, http.StatusNotFound, "not found")
	}
	resp, b := e.Do(t, "GET", "/api/network/tokens", "", "x-api-key", globex)
	if resp.StatusCode != 200 || strings.Contains(string(b), nt.ID) {
		t.Errorf("globex lists %s", b)
	}
	resp, b = e.Do(t, "POST", "/api/network/tokens/"+nt.ID+"/forward", networkForwardBody, "x-api-key", globex,
		"x-destination-url", u.URL+"/pay", "x-cryptogram-reference", ref)
	wantError(t, resp, b, http.StatusNotFound, "not found")
	resp, b = e.Do(t, "POST", "/api/network/tokens/"+nt.ID+"/forward", networkForwardBody, "x-api-key", e.AdminKey,
		"x-destination-url", u.URL+"/pay", "x-cryptogram-reference", ref)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("the owner's forward after another tenant tried its reference: %d %s", resp.StatusCode, b)
	}
}

// TestInlineCryptogramNotKeptForReplay: an idempotent retry of an inline
// cryptogram does not get the DPAN, cryptogram or dynamic CVV again (they
// are card data, and a retry may come from a key that may not reveal),
// and the idempotency record in the store holds none of them.
func TestInlineCryptogramNotKeptForReplay(t *testing.T) {
	t.Parallel()
	e, _, nt, dpan := networkFixture(t)
	reveal, use := e.Key(t, vault.ScopeForward, vault.ScopeCardsReveal), e.Key(t, vault.ScopeForward)
	path, body := "/api/network/tokens/"+nt.ID+"/cryptograms", `{"mode":"inline","amount":100}`
	resp, b := e.Do(t, "POST", path, body, "x-api-key", reveal, "x-idempotency-key", "order-1")
	first := vaulttest.Decode[inlineCryptogram](t, b)
	if resp.StatusCode != 200 || first.Number != dpan || first.Cryptogram == "" {
		t.Fatalf("inline: %d %s", resp.StatusCode, b)
	}
	for _, key := range []string{reveal, use} {
		resp, b = e.Do(t, "POST", path, body, "x-api-key", key, "x-idempotency-key", "order-1")
		if resp.StatusCode != 200 || strings.Contains(string(b), dpan) || strings.Contains(string(b), first.Cryptogram) ||
			strings.Contains(string(b), `"dynamic_cvv"`) || !strings.Contains(string(b), `"eci":"07"`) {
			t.Errorf("replay: %d %s", resp.StatusCode, b)
		}
	}
	recs, err := e.Store.ListRecords(t.Context(), vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindIdempotency,
		Page: vault.Page{Limit: 100}}, e.Vault.Now())
	if err != nil || len(recs) == 0 {
		t.Fatalf("idempotency records: %d %v", len(recs), err)
	}
	for _, r := range recs {
		plain, err := e.Vault.RecordPlaintext(t.Context(), r)
		if err != nil {
			t.Fatal(err)
		}
		if s := string(plain); strings.Contains(s, dpan) || strings.Contains(s, first.Cryptogram) {
			t.Errorf("idempotency record keeps card data: %s", s)
		}
	}
}

// TestNetworkForwardRefusedDestinationKeepsReference: a destination
// outside the allowlist is refused before the reference is spent (the
// relay's own allowlist and SSRF checks), and each use is audited with the
// reference before it is spent.
func TestNetworkForwardRefusedDestinationKeepsReference(t *testing.T) {
	t.Parallel()
	e, u, nt, dpan := networkFixture(t)
	use := e.Key(t, vault.ScopeForward)
	ref := mintReference(t, e, use, nt.ID, `{"mode":"reference"}`)
	fwd := func(dest string) (*http.Response, []byte) {
		return e.Do(t, "POST", "/api/network/tokens/"+nt.ID+"/forward", networkForwardBody, "x-api-key", use,
			"x-destination-url", dest, "x-cryptogram-reference", ref)
	}
	for _, dest := range []string{"https://attacker.example/collect", "http://169.254.169.254/latest/meta-data", "http://127.0.0.1:1/x"} {
		resp, b := fwd(dest)
		wantError(t, resp, b, http.StatusForbidden)
		if !strings.Contains(string(b), "DESTINATION_NOT_ALLOWED") {
			t.Errorf("%s: %s", dest, b)
		}
	}
	if resp, b := fwd(u.URL + "/pay"); resp.StatusCode != http.StatusCreated || resp.Header.Get("Cardvault-Sandbox") != "true" {
		t.Fatalf("forward after refused destinations: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	resp, b := fwd(u.URL + "/pay")
	wantError(t, resp, b, http.StatusConflict, "already used")
	uses := 0
	for _, a := range auditActions(t, e) {
		if a.Action == "network_token.cryptogram.use" && slices.Contains(a.Targets, ref) && slices.Contains(a.Targets, nt.ID) {
			uses++
		}
	}
	if uses != 2 {
		t.Errorf("%d audited uses of the reference, want 2 (the forward and the refused replay)", uses)
	}
	e.AssertLogClean(t, pan, dpan)
}

// TestDeletePCITokenLeavesNoLiveNetworkToken: when deleting the network
// tokens of a PCI token fails, the PCI token stays, so a retry deletes
// both; no network token stays active behind a deleted card.
func TestDeletePCITokenLeavesNoLiveNetworkToken(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	pci := createToken(t, e, e.AdminKey, panBody)
	nt := provisionNetwork(t, e, e.AdminKey, `{"source":{"type":"pci_token","id":"`+pci.ID+`"}}`)
	e.NetworkTokens.OnEvent(func(context.Context, *vault.Service, tsp.Event, tsp.Token) error {
		return errors.New("outbox unavailable")
	})
	resp, _ := e.Do(t, "DELETE", "/api/pci/tokens/"+pci.ID, "", "x-api-key", e.AdminKey)
	if resp.StatusCode < 500 {
		t.Fatalf("delete with the token service failing: %d", resp.StatusCode)
	}
	e.NetworkTokens.OnEvent(nil)
	if resp, b := e.Do(t, "DELETE", "/api/pci/tokens/"+pci.ID, "", "x-api-key", e.AdminKey); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("retried delete: %d %s", resp.StatusCode, b)
	}
	if got, err := e.NetworkTokens.Get(t.Context(), vault.DefaultTenant, nt.ID); err != nil || got.State != tsp.StateDeleted {
		t.Errorf("network token after its PCI token was deleted: %v %v", got.State, err)
	}
}
