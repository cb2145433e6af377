package guardian_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// netToken is the network token object as a client reads it.
type netToken struct {
	ID           string `json:"id"`
	PCITokenID   string `json:"pci_token_id"`
	Sandbox      bool   `json:"sandbox"`
	NetworkToken struct {
		Status string `json:"status"`
		Type   string `json:"type"`
		Masked string `json:"masked_number"`
	} `json:"network_token"`
	Card struct {
		Masked string `json:"masked_account_number"`
		Scheme string `json:"scheme"`
	} `json:"card"`
	Metadata map[string]string `json:"metadata"`
}

type inlineCryptogram struct {
	Cryptogram  string `json:"cryptogram"`
	ECI         string `json:"eci"`
	ExpiryMonth int    `json:"expiry_month"`
	ExpiryYear  int    `json:"expiry_year"`
	Number      string `json:"number"`
	DynamicCVV  string `json:"dynamic_cvv"`
	Sandbox     bool   `json:"sandbox"`
}

const networkForwardBody = `{"card":{"number":"{{ number }}","expiry":{"month":"{{ expiry_month | unwrap }}","year":"{{ expiry_year | unwrap }}"},` +
	`"cryptogram":"{{ cryptogram }}","eci":"{{ eci }}","cvv":"{{ dynamic_cvv }}","token":"{{ network_token_id }}","service":"{{ network_token_type }}"}}`

func provisionNetwork(t *testing.T, e *vaulttest.Env, key, body string) netToken {
	t.Helper()
	resp, b := e.Do(t, "POST", "/api/network/tokens", body, "x-api-key", key)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("provision: %d %s", resp.StatusCode, b)
	}
	return vaulttest.Decode[netToken](t, b)
}

func mintReference(t *testing.T, e *vaulttest.Env, key, id, body string) string {
	t.Helper()
	resp, b := e.Do(t, "POST", "/api/network/tokens/"+id+"/cryptograms", body, "x-api-key", key)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cryptogram: %d %s", resp.StatusCode, b)
	}
	var out struct {
		Reference string `json:"cryptogram_reference"`
		Sandbox   bool   `json:"sandbox"`
	}
	if json.Unmarshal(b, &out) != nil || out.Reference == "" || !out.Sandbox {
		t.Fatalf("reference answer: %s", b)
	}
	return out.Reference
}

// TestNetworkTokenLifecycle drives provisioning, reads, metadata,
// cryptograms inline and by reference, a forward, single use, expiry and
// deletion through the real HTTP stack with Guardian's scopes.
func TestNetworkTokenLifecycle(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	pci := createToken(t, e, e.AdminKey, panBody)
	scoped := func(scopes ...string) string {
		b, _ := json.Marshal(map[string]any{"scopes": scopes})
		resp, body := e.Do(t, "POST", "/api/admin/api-keys", string(b), "x-api-key", e.AdminKey)
		if resp.StatusCode != 200 {
			t.Fatalf("key: %d %s", resp.StatusCode, body)
		}
		return vaulttest.Decode[struct {
			KeyValue string `json:"key_value"`
		}](t, body).KeyValue
	}
	create, read, use := scoped("network:tokens:create", "network:tokens:delete"), scoped("network:tokens:read"), scoped("network:tokens:use")
	reveal := scoped("network:tokens:use", "cards:reveal")

	resp, b := e.Do(t, "POST", "/api/network/tokens", `{"source":{"type":"pci_token","id":"`+pci.ID+`"}}`, "x-api-key", read)
	wantError(t, resp, b, http.StatusForbidden)
	nt := provisionNetwork(t, e, create, `{"source":{"type":"pci_token","id":"`+pci.ID+`"},"metadata":{"order":"o-9"}}`)
	if !nt.Sandbox || nt.NetworkToken.Status != "active" || nt.NetworkToken.Type != "vts" || nt.PCITokenID != pci.ID ||
		nt.Card.Masked != "411111******1111" || nt.Card.Scheme != "visa" || nt.Metadata["order"] != "o-9" ||
		!strings.HasPrefix(nt.NetworkToken.Masked, "400000") {
		t.Fatalf("provisioned %+v", nt)
	}
	resp, b = e.Do(t, "GET", "/api/network/tokens/"+nt.ID, "", "x-api-key", read)
	if got := vaulttest.Decode[netToken](t, b); resp.StatusCode != 200 || got.ID != nt.ID || !got.Sandbox {
		t.Fatalf("get: %d %s", resp.StatusCode, b)
	}
	resp, b = e.Do(t, "GET", "/api/network/tokens?limit=5", "", "x-api-key", read)
	if resp.StatusCode != 200 || !strings.Contains(string(b), nt.ID) || !strings.Contains(string(b), `"next"`) {
		t.Fatalf("list: %d %s", resp.StatusCode, b)
	}
	resp, b = e.Do(t, "POST", "/api/metadata/inquiries", `{"source":{"type":"network_token","id":"`+nt.ID+`"}}`, "x-api-key", e.AdminKey)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"bin":"411111"`) {
		t.Fatalf("inquiry: %d %s", resp.StatusCode, b)
	}

	// Inline: the DPAN, its own expiry and a fresh cryptogram, said to be
	// sandbox, for a key that may reveal card data.
	resp, b = e.Do(t, "POST", "/api/network/tokens/"+nt.ID+"/cryptograms", `{"type":"ecom","amount":1299,"currency_code":"EUR","reference":"order-9"}`, "x-api-key", reveal)
	in := vaulttest.Decode[inlineCryptogram](t, b)
	dpan, err := card.ParsePAN(in.Number)
	if resp.StatusCode != 200 || err != nil || in.Number == pan || in.Cryptogram == "" || in.ECI != "07" || !in.Sandbox ||
		in.ExpiryYear < time.Now().Year()+2 || len(in.DynamicCVV) != 3 || dpan.Masked() != nt.NetworkToken.Masked {
		t.Fatalf("inline: %d %s", resp.StatusCode, b)
	}

	// Reference: redeemed once by a forward; the second forward is refused.
	ref := mintReference(t, e, use, nt.ID, `{"type":"ecom","amount":1299,"currency_code":"EUR","mode":"reference"}`)
	fwd := func(id, ref string) (*http.Response, []byte) {
		return e.Do(t, "POST", "/api/network/tokens/"+id+"/forward", networkForwardBody, "x-api-key", use,
			"x-destination-url", u.URL+"/pay", "x-cryptogram-reference", ref)
	}
	resp, b = fwd(nt.ID, ref)
	hdr, sent, hits := u.got()
	if resp.StatusCode != http.StatusCreated || !strings.Contains(sent, `"number":"`+in.Number+`"`) ||
		!strings.Contains(sent, `"month":`) || strings.Contains(sent, `"month":"`) || !strings.Contains(sent, `"eci":"07"`) ||
		!strings.Contains(sent, `"token":"`+nt.ID+`"`) || !strings.Contains(sent, `"service":"vts"`) ||
		strings.Contains(sent, "{{") || hdr.Get("X-Cryptogram-Reference") != "" {
		t.Fatalf("forward: %d %s; sent %s", resp.StatusCode, b, sent)
	}
	resp, b = fwd(nt.ID, ref)
	wantError(t, resp, b, http.StatusConflict, "already used")
	if _, _, again := u.got(); again != hits {
		t.Error("a spent reference reached the provider")
	}
	// Another token's path does not spend a reference.
	other := provisionNetwork(t, e, create, `{"source":{"type":"pan","account_number":"5555555555554444","expiry_month":1,"expiry_year":2040}}`)
	ref = mintReference(t, e, use, nt.ID, `{"mode":"reference"}`)
	resp, b = fwd(other.ID, ref)
	wantError(t, resp, b, http.StatusNotFound, "cryptogram reference not found")
	if resp, b = fwd(nt.ID, ref); resp.StatusCode != http.StatusCreated {
		t.Fatalf("the reference was spent by another token's forward: %d %s", resp.StatusCode, b)
	}
	// Expired.
	ref = mintReference(t, e, use, nt.ID, `{"mode":"reference"}`)
	e.Clock.Advance(tsp.SandboxCryptogramTTL + time.Minute)
	resp, b = fwd(nt.ID, ref)
	wantError(t, resp, b, http.StatusGone, "expired")

	// Suspended (by the network, here through the domain) and deleted tokens.
	if _, err := e.NetworkTokens.Suspend(t.Context(), vault.DefaultTenant, other.ID); err != nil {
		t.Fatal(err)
	}
	resp, b = e.Do(t, "GET", "/api/network/tokens/"+other.ID, "", "x-api-key", read)
	if resp.StatusCode != 200 || vaulttest.Decode[netToken](t, b).NetworkToken.Status != "inactive" {
		t.Errorf("suspended reads %s", b)
	}
	resp, b = e.Do(t, "POST", "/api/network/tokens/"+other.ID+"/cryptograms", `{}`, "x-api-key", use)
	wantError(t, resp, b, http.StatusConflict, "suspended")
	late := mintReference(t, e, use, nt.ID, `{"mode":"reference"}`)
	resp, b = e.Do(t, "DELETE", "/api/network/tokens/"+nt.ID, "", "x-api-key", create)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	resp, b = e.Do(t, "GET", "/api/network/tokens/"+nt.ID, "", "x-api-key", read)
	if resp.StatusCode != 200 || vaulttest.Decode[netToken](t, b).NetworkToken.Status != "deleted" {
		t.Errorf("deleted reads %s", b)
	}
	resp, b = e.Do(t, "POST", "/api/network/tokens/"+nt.ID+"/cryptograms", `{}`, "x-api-key", use)
	wantError(t, resp, b, http.StatusConflict, "deleted")
	resp, b = fwd(nt.ID, late)
	wantError(t, resp, b, http.StatusConflict, "deleted")
	resp, b = e.Do(t, "DELETE", "/api/network/tokens/"+nt.ID, "", "x-api-key", create)
	wantError(t, resp, b, http.StatusConflict, "deleted")

	// Deleting the PCI token deletes its network tokens.
	card2 := createToken(t, e, e.AdminKey, panBody)
	third := provisionNetwork(t, e, create, `{"source":{"type":"pci_token","id":"`+card2.ID+`"}}`)
	if resp, b = e.Do(t, "DELETE", "/api/pci/tokens/"+card2.ID, "", "x-api-key", e.AdminKey); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete pci token: %d %s", resp.StatusCode, b)
	}
	_, b = e.Do(t, "GET", "/api/network/tokens/"+third.ID, "", "x-api-key", read)
	if got := vaulttest.Decode[netToken](t, b); got.NetworkToken.Status != "deleted" || got.PCITokenID != "" {
		t.Errorf("network token of a deleted PCI token: %s", b)
	}

	var actions []string
	for _, a := range auditActions(t, e) {
		actions = append(actions, a.Action)
	}
	if got := strings.Join(actions, " "); !strings.Contains(got, "network_token.cryptogram") || !strings.Contains(got, "forward") {
		t.Errorf("audited %s", got)
	}
	e.AssertLogClean(t, pan, in.Number, in.Cryptogram)
}

// TestNetworkTokenBadInput: each refusal is a 4xx in Guardian's shape
// with a message that says what is wrong, and leaves nothing behind.
func TestNetworkTokenBadInput(t *testing.T) {
	t.Parallel()
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	jcb := createToken(t, e, e.AdminKey, `{"source":{"type":"pan","account_number":"3530111333300000","expiry_month":1,"expiry_year":2040}}`)
	visa := createToken(t, e, e.AdminKey, panBody)
	nt := provisionNetwork(t, e, e.AdminKey, `{"source":{"type":"pci_token","id":"`+visa.ID+`"}}`)
	for name, tc := range map[string]struct {
		method, path, body string
		headers            []string
		status             int
		want               string
	}{
		"unsupported scheme": {"POST", "/api/network/tokens", `{"source":{"type":"pci_token","id":"` + jcb.ID + `"}}`, nil, 422, "does not tokenize jcb"},
		"unsupported scheme by pan": {"POST", "/api/network/tokens", `{"source":{"type":"pan","account_number":"3530111333300000","expiry_month":1,"expiry_year":2040}}`,
			nil, 422, "does not tokenize jcb"},
		"unknown pci token":  {"POST", "/api/network/tokens", `{"source":{"type":"pci_token","id":"01934b5e-0000-7000-8000-000000000000"}}`, nil, 404, "token not found"},
		"session source":     {"POST", "/api/network/tokens", `{"source":{"type":"session"}}`, nil, 422, "pci_token"},
		"no source":          {"POST", "/api/network/tokens", `{}`, nil, 400, "source"},
		"unknown token":      {"GET", "/api/network/tokens/01934b5e-0000-7000-8000-000000000000", "", nil, 404, "network token not found"},
		"bad id":             {"GET", "/api/network/tokens/x", "", nil, 400, "UUID"},
		"bad mode":           {"POST", "/api/network/tokens/" + nt.ID + "/cryptograms", `{"mode":"print"}`, nil, 400, "mode"},
		"bad type":           {"POST", "/api/network/tokens/" + nt.ID + "/cryptograms", `{"type":"moto"}`, nil, 400, "ecom or dauth"},
		"negative amount":    {"POST", "/api/network/tokens/" + nt.ID + "/cryptograms", `{"amount":-1}`, nil, 400, "amount"},
		"fractional amount":  {"POST", "/api/network/tokens/" + nt.ID + "/cryptograms", `{"amount":1.5}`, nil, 400, "amount"},
		"bad currency":       {"POST", "/api/network/tokens/" + nt.ID + "/cryptograms", `{"currency_code":"EURO"}`, nil, 400, "ISO 4217"},
		"no reference":       {"POST", "/api/network/tokens/" + nt.ID + "/forward", networkForwardBody, []string{"x-destination-url", u.URL}, 400, "x-cryptogram-reference"},
		"unknown reference":  {"POST", "/api/network/tokens/" + nt.ID + "/forward", networkForwardBody, []string{"x-destination-url", u.URL, "x-cryptogram-reference", "01934b5e-0000-7000-8000-000000000000"}, 404, "cryptogram reference not found"},
		"reference on pci":   {"POST", "/api/pci/tokens/" + visa.ID + "/forward", `{}`, []string{"x-destination-url", u.URL, "x-cryptogram-reference", "01934b5e-0000-7000-8000-000000000000"}, 400, "/api/network/tokens"},
		"unknown ph":         {"POST", "/api/network/tokens/" + nt.ID + "/forward", `{"x":"{{ account_number }}"}`, []string{"x-destination-url", u.URL, "x-cryptogram-reference", "01934b5e-0000-7000-8000-000000000000"}, 400, "account_number"},
		"network inquiry id": {"POST", "/api/metadata/inquiries", `{"source":{"type":"network_token","id":"01934b5e-0000-7000-8000-000000000000"}}`, nil, 404, "network token not found"},
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := e.Do(t, tc.method, tc.path, tc.body, append([]string{"x-api-key", e.AdminKey}, tc.headers...)...)
			wantError(t, resp, b, tc.status, tc.want)
		})
	}
	// The card of a refused pan source is not left behind.
	resp, b := e.Do(t, "GET", "/api/pci/tokens?limit=100", "", "x-api-key", e.AdminKey)
	if resp.StatusCode != 200 || strings.Count(string(b), `"id"`) != 2 {
		t.Errorf("PCI tokens after refusals: %s", b)
	}
	if _, _, hits := u.got(); hits != 0 {
		t.Errorf("%d refused forwards reached the provider", hits)
	}
}

// TestNetworkTokenExchangesMatchTheOpenAPIDocument checks the network
// token routes' exchanges against docs/guardian.json.
func TestNetworkTokenExchangesMatchTheOpenAPIDocument(t *testing.T) {
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	v := apidoctest.New(t, "guardian")
	pci := createToken(t, e, e.AdminKey, panBody)
	v.Run(t, e.URL, []apidoctest.Step{
		{Method: "POST", Path: "/api/network/tokens", Body: `{"source":{"type":"pci_token","id":"` + pci.ID + `"}}`, Status: 200, Save: map[string]string{"nt": "id"}},
		{Method: "GET", Path: "/api/network/tokens", Status: 200},
		{Method: "GET", Path: "/api/network/tokens/{nt}", Status: 200},
		{Method: "POST", Path: "/api/network/tokens/{nt}/cryptograms", Body: `{"amount":5,"currency_code":"USD"}`, Status: 200},
		{Method: "POST", Path: "/api/network/tokens/{nt}/cryptograms", Body: `{"mode":"reference"}`, Status: 200, Save: map[string]string{"ref": "cryptogram_reference"}},
		{Method: "POST", Path: "/api/network/tokens/{nt}/forward", Body: networkForwardBody, Status: 201,
			Headers: []string{"x-destination-url", u.URL + "/pay", "x-cryptogram-reference", "{ref}"}},
		{Method: "POST", Path: "/api/network/tokens/{nt}/forward", Body: networkForwardBody, Status: 409,
			Headers: []string{"x-destination-url", u.URL + "/pay", "x-cryptogram-reference", "{ref}"}},
		{Method: "DELETE", Path: "/api/network/tokens/{nt}", Status: 204},
	}, "x-api-key", e.AdminKey)
	v.WantChecked(t, "POST /api/network/tokens", "GET /api/network/tokens", "GET /api/network/tokens/{id}",
		"DELETE /api/network/tokens/{id}", "POST /api/network/tokens/{id}/cryptograms", "POST /api/network/tokens/{id}/forward")
}
