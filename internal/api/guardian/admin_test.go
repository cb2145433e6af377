package guardian_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/api/guardian"
	"github.com/cardvault/cardvault/internal/bintable"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// apiKey is an API key as a client reads it.
type apiKey struct {
	ID        string   `json:"id"`
	CreatedAt string   `json:"created_at"`
	ExpiresAt string   `json:"expires_at"`
	KeyValue  string   `json:"key_value"`
	Masked    string   `json:"masked_key_value"`
	Scopes    []string `json:"scopes"`
}

func TestAPIKeyAdministration(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	admin := []string{"x-admin-token", e.AdminKey}
	resp, b := e.Do(t, "POST", "/api/admin/api-keys", `{"scopes":["pci:tokens:read","pci:tokens:forward"],"expiration_time":3600}`, admin...)
	if resp.StatusCode != 200 {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	k := vaulttest.Decode[apiKey](t, b)
	if k.KeyValue == "" || k.ID == "" || k.ExpiresAt == "" || k.Masked != "" ||
		!slices.Contains(k.Scopes, "pci:tokens:read") || !slices.Contains(k.Scopes, "pci:tokens:forward") || slices.Contains(k.Scopes, "pci:tokens:create") {
		t.Fatalf("created key %s", b)
	}
	// The new key works for what it may do, and only that.
	if resp, _ := e.Do(t, "GET", "/api/pci/tokens", "", "x-api-key", k.KeyValue); resp.StatusCode != 200 {
		t.Fatalf("the new key cannot list: %d", resp.StatusCode)
	}
	resp, b = e.Do(t, "POST", "/api/pci/tokens", panBody, "x-api-key", k.KeyValue)
	wantError(t, resp, b, http.StatusForbidden)
	resp, b = e.Do(t, "GET", "/api/admin/api-keys", "", "x-api-key", k.KeyValue)
	wantError(t, resp, b, http.StatusForbidden, "admin")

	// Get and list never show the secret.
	resp, b = e.Do(t, "GET", "/api/admin/api-keys/"+k.ID, "", admin...)
	got := vaulttest.Decode[apiKey](t, b)
	if resp.StatusCode != 200 || got.KeyValue != "" || got.Masked == "" || strings.Contains(string(b), k.KeyValue) || got.ExpiresAt == "" {
		t.Fatalf("get: %d %s", resp.StatusCode, b)
	}
	resp, b = e.Do(t, "GET", "/api/admin/api-keys?limit=1", "", admin...)
	page := vaulttest.Decode[struct {
		Data  []apiKey `json:"data"`
		Links struct {
			Next string `json:"next"`
		} `json:"links"`
	}](t, b)
	if resp.StatusCode != 200 || len(page.Data) != 1 || page.Links.Next == "" || strings.Contains(string(b), k.KeyValue) {
		t.Fatalf("list: %s", b)
	}

	// Delete: 204, the key stops working, and it is gone.
	resp, b = e.Do(t, "DELETE", "/api/admin/api-keys/"+k.ID, "", admin...)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	resp, b = e.Do(t, "GET", "/api/pci/tokens", "", "x-api-key", k.KeyValue)
	wantError(t, resp, b, http.StatusUnauthorized)
	for _, m := range []string{"GET", "DELETE"} {
		resp, b = e.Do(t, m, "/api/admin/api-keys/"+k.ID, "", admin...)
		wantError(t, resp, b, http.StatusNotFound, "API key not found")
	}
	// (links.next may carry its id as the page cursor: ids are no secret.)
	_, b = e.Do(t, "GET", "/api/admin/api-keys", "", admin...)
	for _, item := range vaulttest.Decode[struct {
		Data []apiKey `json:"data"`
	}](t, b).Data {
		if item.ID == k.ID {
			t.Fatal("a deleted key is listed")
		}
	}
	var actions []string
	for _, en := range auditActions(t, e) {
		actions = append(actions, en.Action)
	}
	if strings.Join(actions, ",") != "api_key.create,api_key.revoke" {
		t.Errorf("audited %v", actions)
	}
	e.AssertLogClean(t, k.KeyValue)
}

func TestAPIKeyExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, b := e.Do(t, "POST", "/api/admin/api-keys", `{"scopes":["cards:read"],"expires_in":60}`, "x-api-key", e.AdminKey)
	k := vaulttest.Decode[apiKey](t, b)
	if resp, _ := e.Do(t, "GET", "/api/pci/tokens", "", "x-api-key", k.KeyValue); resp.StatusCode != 200 {
		t.Fatal("a fresh key does not work")
	}
	e.Clock.Advance(time.Minute)
	resp, b := e.Do(t, "GET", "/api/pci/tokens", "", "x-api-key", k.KeyValue)
	wantError(t, resp, b, http.StatusUnauthorized)
}

func TestAPIKeyBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for name, tc := range map[string]struct{ body, want string }{
		"no scopes":       {`{}`, "at least one scope"},
		"empty scopes":    {`{"scopes":[]}`, "at least one scope"},
		"unknown scope":   {`{"scopes":["pci:tokens:fly"]}`, "pci:tokens:fly"},
		"network scope":   {`{"scopes":["network:tokens:fly"]}`, "network:tokens:fly"},
		"lifetime 0":      {`{"scopes":["pci:tokens:read"],"expiration_time":0}`, "expiration_time"},
		"lifetime 90d+1s": {`{"scopes":["pci:tokens:read"],"expires_in":7776001}`, "expires_in"},
		"scopes not list": {`{"scopes":"pci:tokens:read"}`, "scopes"},
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := e.Do(t, "POST", "/api/admin/api-keys", tc.body, "x-api-key", e.AdminKey)
			wantError(t, resp, b, http.StatusBadRequest, tc.want)
		})
	}
	resp, b := e.Do(t, "POST", "/api/admin/api-keys", `{"scopes":["pci:tokens:read"]}`, "x-api-key", e.Key(t, vault.ScopeCardsWrite))
	wantError(t, resp, b, http.StatusForbidden)
	resp, b = e.Do(t, "GET", "/api/admin/api-keys/key_missing", "", "x-api-key", e.AdminKey)
	wantError(t, resp, b, http.StatusNotFound)
}

// Guardian's narrow key-admin scopes have no narrow cardvault equivalent:
// they are refused, not widened to admin (a key asked for as
// "admin:api-keys:read" must not be able to reveal cards or mint keys).
func TestNarrowAdminScopesRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, scope := range []string{"admin:api-keys:read", "admin:api-keys:update", "admin:api-keys:delete"} {
		t.Run(scope, func(t *testing.T) {
			for _, body := range []string{`{"scopes":["` + scope + `"]}`, `{"scopes":["pci:tokens:read","` + scope + `"]}`} {
				resp, b := e.Do(t, "POST", "/api/admin/api-keys", body, "x-api-key", e.AdminKey)
				wantError(t, resp, b, http.StatusBadRequest, scope)
			}
		})
	}
	_, b := e.Do(t, "GET", "/api/admin/api-keys?limit=100", "", "x-api-key", e.AdminKey)
	if n := strings.Count(string(b), `"id"`); n != 1 {
		t.Fatalf("refused scopes made keys: %s", b)
	}
}

// Only an explicit admin, or admin:api-keys:create (which can mint any key,
// so is worth admin already), grants admin.
func TestAdminScopeGrants(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, scope := range []string{"admin", "admin:api-keys:create"} {
		t.Run(scope, func(t *testing.T) {
			resp, b := e.Do(t, "POST", "/api/admin/api-keys", `{"scopes":["`+scope+`"]}`, "x-api-key", e.AdminKey)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, b)
			}
			k := vaulttest.Decode[apiKey](t, b)
			if !slices.Contains(k.Scopes, "admin:api-keys:create") {
				t.Fatalf("scopes %v", k.Scopes)
			}
			resp, b = e.Do(t, "POST", "/api/admin/api-keys", `{"scopes":["pci:tokens:read"]}`, "x-api-key", k.KeyValue)
			if resp.StatusCode != 200 {
				t.Fatalf("an admin key cannot make keys: %d %s", resp.StatusCode, b)
			}
		})
	}
}

func TestMetadataInquiries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	reader := e.Key(t, vault.ScopeCardsRead)
	tok := createToken(t, e, e.AdminKey, `{"source":{"type":"pan","account_number":"5200828282828210","expiry_month":12,"expiry_year":2039}}`)
	for name, tc := range map[string]struct{ body, want string }{
		"pan": {`{"source":{"type":"pan","account_number":"4000056655665556","expiry_month":1,"expiry_year":2030,"security_code":"999"}}`,
			`{"bin":"400005","scheme":"visa","type":"debit","segment":"consumer","issuer_name":"Test Issuer Visa","issuer_country_code":"US","product_code":"F","product_name":"Visa Classic Debit","billing_currency_code":"USD","masked_account_number":"400005******5556","account_number_length":16}`},
		"pci token": {`{"source":{"type":"pci_token","id":"` + tok.ID + `"}}`,
			`{"bin":"520082","scheme":"mastercard","type":"debit","segment":"consumer","issuer_name":"Test Issuer Mastercard","issuer_country_code":"US","product_code":"MDS","product_name":"Debit Mastercard","billing_currency_code":"USD","masked_account_number":"520082******8210","account_number_length":16}`},
		"token_id spelling": {`{"source":{"type":"pci_token","token_id":"` + tok.ID + `"}}`, `"bin":"520082"`},
		"not in the table":  {`{"source":{"type":"pan","account_number":"4917610000000000"}}`, `{"bin":"491761","scheme":"visa","masked_account_number":"491761******0000","account_number_length":16}`},
		"amex":              {`{"source":{"type":"pan","account_number":"378282246310005"}}`, `"scheme":"american express","type":"credit"`},
		// Guardian's scheme enum has no "unknown" or "other".
		"no known scheme": {`{"source":{"type":"pan","account_number":"9000000000000001"}}`, `{"bin":"900000","scheme":"discover","masked_account_number":"900000******0001","account_number_length":16}`},
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := e.Do(t, "POST", "/api/metadata/inquiries", tc.body, "x-api-key", reader)
			if resp.StatusCode != 200 || !strings.Contains(string(b), tc.want) {
				t.Fatalf("%d %s\nwant %s", resp.StatusCode, b, tc.want)
			}
		})
	}
	for name, tc := range map[string]struct {
		body   string
		status int
	}{
		"luhn":                  {`{"source":{"type":"pan","account_number":"4000056655665557"}}`, 400},
		"no source":             {`{}`, 400},
		"unknown type":          {`{"source":{"type":"iban"}}`, 400},
		"bad token id":          {`{"source":{"type":"pci_token","id":"x"}}`, 400},
		"unknown token":         {`{"source":{"type":"pci_token","id":"01934b5e-0000-7000-8000-000000000000"}}`, 404},
		"network token":         {`{"source":{"type":"network_token","id":"x"}}`, 400},
		"unknown network token": {`{"source":{"type":"network_token","id":"01934b5e-0000-7000-8000-000000000000"}}`, 404},
	} {
		t.Run(name, func(t *testing.T) {
			resp, b := e.Do(t, "POST", "/api/metadata/inquiries", tc.body, "x-api-key", reader)
			wantError(t, resp, b, tc.status)
		})
	}
	resp, b := e.Do(t, "POST", "/api/metadata/inquiries", `{"source":{"type":"pci_token","id":"`+tok.ID+`"}}`, "x-api-key", e.TenantKey(t, "acme"))
	wantError(t, resp, b, http.StatusNotFound)
	// Inquiring by PAN stores nothing.
	_, b = e.Do(t, "GET", "/api/pci/tokens", "", "x-api-key", reader)
	if strings.Count(string(b), `"id"`) != 1 {
		t.Fatalf("an inquiry stored a card: %s", b)
	}
	e.AssertLogClean(t, "4000056655665556", "5200828282828210", `"999"`)
}

// TestSchemeStaysInTheEnum: a token's scheme and an inquiry's are always
// one of the document's values: a number in no known range, and a BIN
// table naming a scheme outside the enum, read as "discover"; Maestro as
// "mastercard".
func TestSchemeStaysInTheEnum(t *testing.T) {
	t.Parallel()
	bins, err := bintable.Parse(strings.NewReader("650800,650899,rupay,debit,Bank,IN\n676770,676770,maestro,debit,Bank,GB\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := vaulttest.New(t, vaulttest.Options{Facades: func(d vaulttest.Deps) []server.Facade {
		d.BINs = bins
		return []server.Facade{guardian.New(d)}
	}})
	tok := createToken(t, e, e.AdminKey, `{"source":{"type":"pan","account_number":"9000000000000001","expiry_month":12,"expiry_year":2039}}`)
	if tok.Card.Scheme != "discover" {
		t.Errorf("token of a number in no range: scheme %q", tok.Card.Scheme)
	}
	for pan, want := range map[string]string{"6508000000000004": "discover", "6767700000000005": "mastercard"} {
		resp, b := e.Do(t, "POST", "/api/metadata/inquiries", `{"source":{"type":"pan","account_number":"`+pan+`"}}`, "x-api-key", e.AdminKey)
		if resp.StatusCode != 200 || !strings.Contains(string(b), `"scheme":"`+want+`"`) {
			t.Errorf("%s: %d %s, want scheme %s", pan[:6], resp.StatusCode, b, want)
		}
	}
}
