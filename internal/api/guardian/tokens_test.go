package guardian_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	writer := e.Key(t, vault.ScopeCardsWrite)
	reader := e.Key(t, vault.ScopeCardsRead)

	tok := createToken(t, e, writer, panBody)
	if _, err := uuid.Parse(tok.ID); err != nil {
		t.Fatalf("token id %q is not a UUID", tok.ID)
	}
	c := tok.Card
	if c.Masked != "411111******1111" || c.Scheme != "visa" || c.ExpiryMonth != 12 || c.ExpiryYear != 2039 ||
		c.CardholderName != "Ada Lovelace" || tok.Metadata["order"] != "o-1" || tok.CreatedAt == "" || tok.ExpiresAt != "" {
		t.Errorf("created token: %+v", tok)
	}

	resp, body := e.Do(t, "GET", "/api/pci/tokens/"+tok.ID, "", "x-api-key", reader)
	if resp.StatusCode != 200 || vaulttest.Decode[token](t, body).Card.Masked != "411111******1111" {
		t.Fatalf("get: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), pan) || strings.Contains(string(body), `"123"`) {
		t.Fatalf("get leaks card data: %s", body)
	}
	// The security code is held, not returned.
	resp, body = e.Do(t, "GET", "/api/pci/tokens/"+tok.ID+"/security-code", "", "x-api-key", reader)
	if resp.StatusCode != 200 || string(body) != "{\"security_code_available\":true}\n" {
		t.Fatalf("security code status: %d %s", resp.StatusCode, body)
	}

	resp, body = e.Do(t, "DELETE", "/api/pci/tokens/"+tok.ID, "", "x-api-key", reader)
	wantError(t, resp, body, http.StatusForbidden, "cards:write")
	resp, body = e.Do(t, "DELETE", "/api/pci/tokens/"+tok.ID, "", "x-api-key", writer)
	if resp.StatusCode != http.StatusNoContent || len(body) != 0 {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	resp, body = e.Do(t, "DELETE", "/api/pci/tokens/"+tok.ID, "", "x-api-key", writer)
	wantError(t, resp, body, http.StatusNotFound, "token not found")
	resp, body = e.Do(t, "GET", "/api/pci/tokens/"+tok.ID, "", "x-api-key", reader)
	wantError(t, resp, body, http.StatusNotFound)
	// Deleting the card deleted its security code too.
	if n, _ := e.Store.ListRecords(context.Background(), vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: "security_code", Page: vault.Page{Limit: 10}}, time.Time{}); len(n) != 0 {
		t.Errorf("security code outlived its token: %d records", len(n))
	}
	e.AssertLogClean(t, pan, "4111 1111")
}

func TestAdminTokenHeaderAuthenticates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	resp, body := e.Do(t, "POST", "/api/pci/tokens", panBody, "x-admin-token", e.AdminKey)
	if resp.StatusCode != 200 {
		t.Fatalf("x-admin-token: %d %s", resp.StatusCode, body)
	}
	resp, body = e.Do(t, "GET", "/api/pci/tokens", "")
	wantError(t, resp, body, http.StatusUnauthorized, "x-api-key")
	resp, body = e.Do(t, "GET", "/api/pci/tokens", "", "x-api-key", "cvk_not-a-key")
	wantError(t, resp, body, http.StatusUnauthorized)
}

func TestTokenExpirationTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, field := range []string{"expiration_time", "expires_in"} {
		t.Run(field, func(t *testing.T) {
			body := `{"` + field + `":60,"source":{"type":"pan","account_number":"5555555555554444","expiry_month":1,"expiry_year":2040}}`
			tok := createToken(t, e, e.AdminKey, body)
			exp, err := time.Parse(time.RFC3339Nano, tok.ExpiresAt)
			created, _ := time.Parse(time.RFC3339Nano, tok.CreatedAt)
			if d := exp.Sub(created); err != nil || d < 59*time.Second || d > time.Minute || tok.Card.Scheme != "mastercard" {
				t.Fatalf("expires_at %q created_at %q scheme %s", tok.ExpiresAt, tok.CreatedAt, tok.Card.Scheme)
			}
			if resp, _ := e.Do(t, "GET", "/api/pci/tokens/"+tok.ID, "", "x-api-key", e.AdminKey); resp.StatusCode != 200 {
				t.Fatalf("before expiry: %d", resp.StatusCode)
			}
			e.Clock.Advance(61 * time.Second)
			resp, b := e.Do(t, "GET", "/api/pci/tokens/"+tok.ID, "", "x-api-key", e.AdminKey)
			wantError(t, resp, b, http.StatusNotFound)
			if n, err := e.Vault.CleanExpired(context.Background()); err != nil || n == 0 {
				t.Fatalf("the expired token was not cleaned: %d %v", n, err)
			}
		})
	}
}

func TestCreateTokenBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	src := func(extra string) string {
		return `{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2039` + extra + `}}`
	}
	long := strings.Repeat("k", 21)
	var pairs []string
	for i := range 21 {
		pairs = append(pairs, fmt.Sprintf(`"k%d":"v"`, i))
	}
	for name, tc := range map[string]struct {
		body string
		want string
	}{
		"empty body":           {``, "body"},
		"not json":             {`{"source":`, "malformed JSON"},
		"no source":            {`{"metadata":{}}`, "source is required"},
		"unknown source type":  {`{"source":{"type":"iban"}}`, `unknown source type "iban"`},
		"source not an object": {`{"source":"pan"}`, "source must be an object"},
		"luhn":                 {`{"source":{"type":"pan","account_number":"4111111111111112","expiry_month":12,"expiry_year":2039}}`, "Luhn"},
		"letters in pan":       {`{"source":{"type":"pan","account_number":"4111x11111111111","expiry_month":12,"expiry_year":2039}}`, "account_number"},
		"no pan":               {`{"source":{"type":"pan","expiry_month":12,"expiry_year":2039}}`, "account_number is required"},
		"expired card":         {`{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":1,"expiry_year":2020}}`, "expired"},
		"month 13":             {`{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":13,"expiry_year":2039}}`, "expiry_month"},
		"no expiry":            {`{"source":{"type":"pan","account_number":"4111111111111111"}}`, "expiry_month and source.expiry_year are required"},
		"month as text":        {`{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":"dec","expiry_year":2039}}`, "expiry_month"},
		"short cvv":            {src(`,"security_code":"12"`), "security_code"},
		"amex cvv length":      {`{"source":{"type":"pan","account_number":"378282246310005","expiry_month":12,"expiry_year":2039,"security_code":"123"}}`, "4 digits"},
		"holder control char":  {src(`,"cardholder_name":"Ada\u0007"`), "cardholder_name"},
		"lifetime 0":           {`{"expiration_time":0,` + src("")[1:], "expiration_time must be from 1 to 2592000"},
		"lifetime too long":    {`{"expires_in":2592001,` + src("")[1:], "expires_in must be from 1 to 2592000"},
		"lifetime fraction":    {`{"expiration_time":1.5,` + src("")[1:], "whole number"},
		"lifetimes disagree":   {`{"expiration_time":10,"expires_in":20,` + src("")[1:], "disagree"},
		"21 metadata pairs":    {`{"metadata":{` + strings.Join(pairs, ",") + `},` + src("")[1:], "at most 20 key-value pairs"},
		"metadata key 21":      {`{"metadata":{"` + long + `":"v"},` + src("")[1:], "keys must be 1 to 20 characters"},
		"metadata value 81":    {`{"metadata":{"k":"` + strings.Repeat("v", 81) + `"},` + src("")[1:], "at most 80 characters"},
		"metadata number":      {`{"metadata":{"k":1},` + src("")[1:], "values must be strings"},
		"metadata null value":  {`{"metadata":{"k":null},` + src("")[1:], "values must be strings"},
		"metadata array":       {`{"metadata":["a"],` + src("")[1:], "metadata must be an object"},
		"metadata empty key":   {`{"metadata":{"":"v"},` + src("")[1:], "keys must be 1 to 20"},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := e.Do(t, "POST", "/api/pci/tokens", tc.body, "x-api-key", e.AdminKey)
			wantError(t, resp, body, http.StatusBadRequest, tc.want)
			if strings.Contains(string(body), "4111111111111") {
				t.Errorf("error echoes the card number: %s", body)
			}
		})
	}
	// No partial token after any of those failures.
	cards, err := e.Vault.ListCards(context.Background(), vault.DefaultTenant, vault.Page{Limit: 100})
	if err != nil || len(cards) != 0 {
		t.Fatalf("failed requests left %d cards (%v)", len(cards), err)
	}
	// Exactly at the limits is fine, and unicode counts characters.
	var ok []string
	for i := range 20 {
		ok = append(ok, fmt.Sprintf(`"%s":"%s"`, strings.Repeat("é", 19)+string(rune('a'+i)), strings.Repeat("ü", 80)))
	}
	tok := createToken(t, e, e.AdminKey, `{"metadata":{`+strings.Join(ok, ",")+`},`+src("")[1:])
	if len(tok.Metadata) != 20 {
		t.Errorf("metadata at the limits: %d pairs", len(tok.Metadata))
	}
	e.AssertLogClean(t, pan)
}

func TestTokenIDsAndTenants(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok := createToken(t, e, e.AdminKey, panBody)
	other := e.TenantKey(t, "acme")
	for _, path := range []string{"/api/pci/tokens/" + tok.ID, "/api/pci/tokens/" + tok.ID + "/security-code"} {
		resp, body := e.Do(t, "GET", path, "", "x-api-key", other)
		wantError(t, resp, body, http.StatusNotFound)
	}
	resp, body := e.Do(t, "DELETE", "/api/pci/tokens/"+tok.ID, "", "x-api-key", other)
	wantError(t, resp, body, http.StatusNotFound)
	resp, body = e.Do(t, "GET", "/api/pci/tokens", "", "x-api-key", other)
	if resp.StatusCode != 200 || strings.Contains(string(body), tok.ID) {
		t.Fatalf("another tenant's list: %s", body)
	}
	for _, bad := range []string{"not-a-uuid", "8744c9ea-a02b-4ae6-875c-b64fc333e3e", "8744c9eaa02b4ae6875cb64fc333e3ef", "{id}"} {
		for _, m := range []string{"GET", "DELETE"} {
			resp, body := e.Do(t, m, "/api/pci/tokens/"+url.PathEscape(bad), "", "x-api-key", e.AdminKey)
			wantError(t, resp, body, http.StatusBadRequest, "UUID")
		}
		resp, body := e.Do(t, "GET", "/api/pci/tokens/"+url.PathEscape(bad)+"/security-code", "", "x-api-key", e.AdminKey)
		wantError(t, resp, body, http.StatusBadRequest, "UUID")
	}
	// The owner still has it.
	if resp, _ := e.Do(t, "GET", "/api/pci/tokens/"+tok.ID, "", "x-api-key", e.AdminKey); resp.StatusCode != 200 {
		t.Fatal("the owner lost the token")
	}
}

func TestUnknownRoutesInGuardianShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/nothing", 404},
		{"PUT", "/api/pci/tokens", 405},
		{"GET", "/sessions", 404},
		{"DELETE", "/sessions/abc", 405},
		{"PUT", "/api/network/tokens", 405},
		{"PUT", "/api/admin/api-keys/key_x", 405},
	} {
		hdr := []string{"x-api-key", e.AdminKey}
		resp, body := e.Do(t, tc.method, tc.path, "", hdr...)
		wantError(t, resp, body, tc.status)
	}
}
