package gr4vy_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api/gr4vy"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// jcbPAN is a JCB test card: a scheme the sandbox token service does not
// tokenize.
const jcbPAN = "3566002020360505"

// ntToken is Gr4vy's NetworkToken as a client reads it.
type ntToken struct {
	Type            string `json:"type"`
	ID              string `json:"id"`
	ExpirationDate  string `json:"expiration_date"`
	PaymentMethodID string `json:"payment_method_id"`
	Status          string `json:"status"`
	Token           string `json:"token"`
}

// TestNetworkTokenLifecycle follows a network token through every Gr4vy
// route over HTTP, each answer checked against gr4vy-openapi.json:
// provision, list, cryptograms, suspend, resume, delete, and the payment
// method's deletion taking its tokens along.
func TestNetworkTokenLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", forward.Options{})
	reveal := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead, vault.ScopeCardsReveal)}
	masked := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead)}
	pm := storeCard(t, e, vault.DefaultTenant, visaPAN, "12/30", "Ann Lee", "")
	base := "/payment-methods/" + pm + "/network-tokens"

	resp, b := e.Do(t, "POST", base, `{"merchant_initiated":false,"is_subsequent_payment":false,"security_code":"123"}`, reveal...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	tok := vaulttest.Decode[ntToken](t, b)
	dpan, err := card.ParsePAN(tok.Token)
	switch {
	case err != nil:
		t.Fatalf("token %q is not a card number: %v", tok.Token, err)
	case tok.Type != "network-token" || tok.Status != "active" || tok.PaymentMethodID != pm || len(tok.ExpirationDate) != 5:
		t.Errorf("provisioned %s", b)
	case dpan.Digits() == visaPAN || !strings.HasPrefix(dpan.Digits(), "400000"):
		t.Errorf("DPAN %s is the funding PAN or outside Visa's sandbox range", dpan)
	case resp.Header.Get(gr4vy.SandboxHeader) != "true":
		t.Errorf("a sandbox token answered without %s: %v", gr4vy.SandboxHeader, resp.Header)
	}
	if !slices.ContainsFunc(auditEntries(t, e), func(en audit.Entry) bool {
		return en.Action == "network_token.reveal" && slices.Contains(en.Targets, tok.ID)
	}) {
		t.Error("revealing the DPAN was not audited")
	}
	nt := base + "/" + tok.ID

	// Without cards:reveal the DPAN is masked.
	resp, b = e.Do(t, "GET", base, "", masked...)
	vaulttest.WantStatus(t, resp, b, http.StatusOK)
	list := vaulttest.Decode[struct{ Items []ntToken }](t, b).Items
	if len(list) != 1 || list[0].ID != tok.ID || list[0].Token != dpan.Masked() || strings.Contains(string(b), dpan.Digits()) {
		t.Errorf("list without cards:reveal: %s", b)
	}

	cryptogram := func(status int, want string) string {
		t.Helper()
		resp, b := e.Do(t, "POST", nt+"/cryptogram", `{"merchant_initiated":true}`, masked...)
		if status != http.StatusCreated {
			assertError(t, resp, b, status, "bad_request", want)
			return ""
		}
		vaulttest.WantStatus(t, resp, b, http.StatusCreated)
		c := vaulttest.Decode[struct{ Type, Cryptogram string }](t, b)
		if c.Type != "network-token-cryptogram" || c.Cryptogram == "" || resp.Header.Get(gr4vy.SandboxHeader) != "true" {
			t.Errorf("cryptogram %s %v", b, resp.Header)
		}
		return c.Cryptogram
	}
	if first, second := cryptogram(201, ""), cryptogram(201, ""); first == second {
		t.Errorf("two cryptograms are equal: %s", first)
	}

	step := func(method, path string, status int, wantState, wantMessage string) {
		t.Helper()
		resp, b := e.Do(t, method, path, "", masked...)
		switch {
		case status >= 400:
			assertError(t, resp, b, status, "bad_request", wantMessage)
		case status == http.StatusNoContent:
			vaulttest.WantStatus(t, resp, b, status)
		default:
			vaulttest.WantStatus(t, resp, b, status)
			if got := vaulttest.Decode[ntToken](t, b); got.Status != wantState || got.ID != tok.ID {
				t.Errorf("%s %s: %s, want state %s", method, path, b, wantState)
			}
		}
	}
	step("POST", nt+"/suspend", 200, "suspended", "")
	cryptogram(400, "suspended")
	step("POST", nt+"/suspend", 400, "", "suspended")
	step("POST", nt+"/resume", 200, "active", "")
	step("POST", nt+"/resume", 400, "", "active")
	cryptogram(201, "")
	step("DELETE", nt, 204, "", "")
	cryptogram(400, "deleted")
	step("POST", nt+"/resume", 400, "", "deleted")
	step("DELETE", nt, 400, "", "deleted")
	resp, b = e.Do(t, "GET", base, "", masked...)
	vaulttest.WantStatus(t, resp, b, http.StatusOK)
	if list := vaulttest.Decode[struct{ Items []ntToken }](t, b).Items; len(list) != 1 || list[0].Status != "deleted" {
		t.Errorf("list after delete: %s", b)
	}

	// Deleting the payment method deletes its live tokens.
	resp, b = e.Do(t, "POST", base, `{"merchant_initiated":false,"is_subsequent_payment":true}`, masked...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	live := vaulttest.Decode[ntToken](t, b).ID
	resp, b = e.Do(t, "DELETE", "/payment-methods/"+pm, "", masked...)
	vaulttest.WantStatus(t, resp, b, http.StatusNoContent)
	resp, b = e.Do(t, "GET", base, "", masked...)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "payment method")
	if got, err := e.NetworkTokens.Get(t.Context(), vault.DefaultTenant, live); err != nil || got.State != tsp.StateDeleted {
		t.Errorf("token of the deleted payment method: state %s, %v", got.State, err)
	}

	// So does deleting the buyer the payment method belongs to.
	resp, b = e.Do(t, "POST", "/buyers", `{"display_name":"Ann Lee"}`, masked...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	buyer := vaulttest.Decode[struct{ ID string }](t, b).ID
	resp, b = e.Do(t, "POST", "/payment-methods", `{"method":"card","number":"`+mastercardPAN+`","expiration_date":"12/30","buyer_id":"`+buyer+`"}`, masked...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	owned := vaulttest.Decode[struct{ ID string }](t, b).ID
	resp, b = e.Do(t, "POST", "/payment-methods/"+owned+"/network-tokens", `{"merchant_initiated":false,"is_subsequent_payment":false}`, masked...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	live = vaulttest.Decode[ntToken](t, b).ID
	resp, b = e.Do(t, "DELETE", "/buyers/"+buyer, "", masked...)
	vaulttest.WantStatus(t, resp, b, http.StatusNoContent)
	if got, err := e.NetworkTokens.Get(t.Context(), vault.DefaultTenant, live); err != nil || got.State != tsp.StateDeleted {
		t.Errorf("token of the deleted buyer's payment method: state %s, %v", got.State, err)
	}
	e.AssertLogClean(t, visaPAN, mastercardPAN, dpan.Digits())
}

// TestNetworkTokenRefusals: every bad input is a Gr4vy error the document
// declares, with a message that says what is wrong.
func TestNetworkTokenRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", forward.Options{})
	auth := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsWrite, vault.ScopeCardsRead)}
	readOnly := []string{"Authorization", "Bearer " + e.Key(t, vault.ScopeCardsRead)}
	pm := storeCard(t, e, vault.DefaultTenant, visaPAN, "12/30", "", "")
	other := storeCard(t, e, vault.DefaultTenant, mastercardPAN, "12/30", "", "")
	jcb := storeCard(t, e, vault.DefaultTenant, jcbPAN, "12/30", "", "")
	e.TenantKey(t, "acme")
	foreign := storeCard(t, e, "acme", visaPAN, "12/30", "", "")
	good := `{"merchant_initiated":false,"is_subsequent_payment":false}`
	provision := func(pm string) string {
		resp, b := e.Do(t, "POST", "/payment-methods/"+pm+"/network-tokens", good, auth...)
		vaulttest.WantStatus(t, resp, b, http.StatusCreated)
		return vaulttest.Decode[ntToken](t, b).ID
	}
	tok, otherTok := provision(pm), provision(other)
	for name, tc := range map[string]struct {
		method, path, body string
		headers            []string
		status             int
		code, want         string
	}{
		"scheme not tokenized": {"POST", "/payment-methods/" + jcb + "/network-tokens", good, auth, 400, "bad_request", "does not tokenize jcb"},
		"no merchant_initiated": {"POST", "/payment-methods/" + pm + "/network-tokens", `{"is_subsequent_payment":false}`, auth, 400,
			"bad_request", "merchant_initiated is required"},
		"bad security code": {"POST", "/payment-methods/" + pm + "/network-tokens", `{"merchant_initiated":false,"is_subsequent_payment":false,"security_code":"12a"}`,
			auth, 400, "bad_request", "security"},
		"unknown field":     {"POST", "/payment-methods/" + pm + "/network-tokens", `{"merchant_initiated":false,"is_subsequent_payment":false,"amount":1}`, auth, 400, "bad_request", "amount"},
		"payment method id": {"GET", "/payment-methods/nope/network-tokens", "", auth, 400, "bad_request", "payment_method_id must be a UUID"},
		"token id":          {"POST", "/payment-methods/" + pm + "/network-tokens/nope/suspend", "", auth, 400, "bad_request", "network_token_id must be a UUID"},
		"unknown token":     {"POST", "/payment-methods/" + pm + "/network-tokens/" + pm + "/suspend", "", auth, 404, "not_found", "network token could not be found"},
		"another card's token": {"POST", "/payment-methods/" + pm + "/network-tokens/" + otherTok + "/cryptogram", `{"merchant_initiated":false}`, auth, 404,
			"not_found", "network token could not be found"},
		"another tenant's card": {"GET", "/payment-methods/" + foreign + "/network-tokens", "", auth, 404, "not_found", "payment method could not be found"},
		"no cryptogram body":    {"POST", "/payment-methods/" + pm + "/network-tokens/" + tok + "/cryptogram", `{}`, auth, 400, "bad_request", "merchant_initiated is required"},
		"read-only key":         {"POST", "/payment-methods/" + pm + "/network-tokens", good, readOnly, 403, "forbidden", "cards:write"},
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := e.Do(t, tc.method, tc.path, tc.body, tc.headers...)
			assertError(t, resp, b, tc.status, tc.code, tc.want)
		})
	}
	// A read-only key may mint a cryptogram, as Gr4vy's payment-methods.read may.
	resp, b := e.Do(t, "POST", "/payment-methods/"+pm+"/network-tokens/"+tok+"/cryptogram", `{"merchant_initiated":false}`, readOnly...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	e.AssertLogClean(t, visaPAN, mastercardPAN, jcbPAN)
}

// TestNetworkTokensNotConfigured: a vault built without a token service
// answers the routes 404 in Gr4vy's shape, saying why.
func TestNetworkTokensNotConfigured(t *testing.T) {
	t.Parallel()
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.NetworkTokens = nil
		return []server.Facade{gr4vy.New(d)}
	}})
	pm := storeCard(t, e, vault.DefaultTenant, visaPAN, "12/30", "", "")
	resp, b := e.Do(t, "GET", "/payment-methods/"+pm+"/network-tokens", "", "Authorization", "Bearer "+e.AdminKey)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "network tokens are not available")
}
