package guardian_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// storedCodes counts security-code records in the store, expired or not.
func storedCodes(t *testing.T, e *vaulttest.Env) int {
	t.Helper()
	rs, err := e.Store.ListRecords(context.Background(), vault.RecordQuery{Tenant: vault.DefaultTenant,
		Kind: "security_code", Page: vault.Page{Limit: 100}}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return len(rs)
}

// codeAvailable reads GET …/security-code.
func codeAvailable(t *testing.T, e *vaulttest.Env, id string) bool {
	t.Helper()
	resp, b := e.Do(t, "GET", "/api/pci/tokens/"+id+"/security-code", "", "x-api-key", e.AdminKey)
	if resp.StatusCode != 200 {
		t.Fatalf("security code status: %d %s", resp.StatusCode, b)
	}
	return vaulttest.Decode[map[string]bool](t, b)["security_code_available"]
}

func TestSecurityCodeExpiresFromTheStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok := createToken(t, e, e.AdminKey, panBody)
	if !codeAvailable(t, e, tok.ID) || storedCodes(t, e) != 1 {
		t.Fatal("the code given at creation is not held")
	}
	e.Clock.Advance(2*time.Hour - time.Second)
	if !codeAvailable(t, e, tok.ID) {
		t.Fatal("the code went before its default 2 h")
	}
	e.Clock.Advance(time.Second)
	if codeAvailable(t, e, tok.ID) {
		t.Fatal("an expired code is still available")
	}
	if n := storedCodes(t, e); n != 0 {
		t.Fatalf("the expired code is hidden but still stored (%d records)", n)
	}
	// The token itself lives on.
	if resp, _ := e.Do(t, "GET", "/api/pci/tokens/"+tok.ID, "", "x-api-key", e.AdminKey); resp.StatusCode != 200 {
		t.Fatal("the token went with its code")
	}
}

func TestSecurityCodeDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok := createToken(t, e, e.AdminKey, panBody)
	resp, b := e.Do(t, "DELETE", "/api/pci/tokens/"+tok.ID+"/security-code", "", "x-api-key", e.AdminKey)
	if resp.StatusCode != http.StatusNoContent || len(b) != 0 {
		t.Fatalf("delete: %d %s", resp.StatusCode, b)
	}
	if codeAvailable(t, e, tok.ID) || storedCodes(t, e) != 0 {
		t.Fatal("the deleted code is still held")
	}
	resp, b = e.Do(t, "DELETE", "/api/pci/tokens/"+tok.ID+"/security-code", "", "x-api-key", e.AdminKey)
	wantError(t, resp, b, http.StatusNotFound, "no security code")
	resp, b = e.Do(t, "DELETE", "/api/pci/tokens/01934b5e-0000-7000-8000-000000000000/security-code", "", "x-api-key", e.AdminKey)
	wantError(t, resp, b, http.StatusNotFound, "token not found")
	resp, b = e.Do(t, "GET", "/api/pci/tokens/01934b5e-0000-7000-8000-000000000000/security-code", "", "x-api-key", e.AdminKey)
	wantError(t, resp, b, http.StatusNotFound, "token not found")
}

func TestSecurityCodeRefreshSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok := createToken(t, e, e.AdminKey, `{"source":{"type":"pan","account_number":"378282246310005","expiry_month":3,"expiry_year":2038}}`)
	if codeAvailable(t, e, tok.ID) {
		t.Fatal("a code is held though none was given")
	}
	resp, b := e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/security-code", "", "x-api-key", e.AdminKey)
	if resp.StatusCode != 200 {
		t.Fatalf("refresh: %d %s", resp.StatusCode, b)
	}
	id := vaulttest.Decode[map[string]string](t, b)["session_id"]

	key, st := sessionKey(t, e, id, "refresh_security_code")
	d := st.Data
	if d["account_number_last_four"] != "0005" || d["account_number_length"] != float64(15) || d["issuer_identification_number"] != "378282" ||
		d["expiry_month"] != float64(3) || d["expiry_year"] != float64(2038) || d["scheme"] != "american-express" {
		t.Fatalf("refresh_security_code data: %v", d)
	}
	if strings.Contains(string(b), "378282246310005") {
		t.Fatal("the session state shows the card number")
	}
	// A tokenize action is refused; the code must suit the scheme.
	resp, b = complete(t, e, id, `{"action":"tokenize_card","result":{}}`)
	wantError(t, resp, b, http.StatusBadRequest, "refresh_security_code")
	resp, b = complete(t, e, id, `{"action":"refresh_security_code","result":{"enc_payload":"`+encryptJWE(t, key, []byte(`{"security_code":"123"}`), jweOptions{})+`"}}`)
	wantError(t, resp, b, http.StatusBadRequest, "4 digits")

	resp, b = complete(t, e, id, `{"action":"refresh_security_code","result":{"enc_payload":"`+encryptJWE(t, key, []byte(`{"security_code":"4321"}`), jweOptions{})+`"}}`)
	if st := vaulttest.Decode[sdkState](t, b); resp.StatusCode != 200 || st.Status != "success" || st.Data["token_id"] != tok.ID {
		t.Fatalf("refresh completion: %d %s", resp.StatusCode, b)
	}
	if !codeAvailable(t, e, tok.ID) {
		t.Fatal("the refreshed code is not held")
	}
	_, b = e.Do(t, "GET", "/api/sessions/"+id, "", "x-api-key", e.AdminKey)
	if m := vaulttest.Decode[map[string]any](t, b); m["purpose"] != "security_code" || m["status"] != "completed" || m["token_id"] != tok.ID {
		t.Fatalf("merchant view: %s", b)
	}
	// The held code reaches nothing but a forward: no read shows it.
	_, b = e.Do(t, "GET", "/api/pci/tokens/"+tok.ID, "", "x-api-key", e.AdminKey)
	if strings.Contains(string(b), `"4321"`) {
		t.Fatal("a read shows the security code")
	}
	// A refresh for a token that does not exist, or of another tenant.
	resp, b = e.Do(t, "POST", "/api/pci/tokens/01934b5e-0000-7000-8000-000000000000/security-code", "", "x-api-key", e.AdminKey)
	wantError(t, resp, b, http.StatusNotFound, "token not found")
	resp, b = e.Do(t, "POST", "/api/pci/tokens/"+tok.ID+"/security-code", "", "x-api-key", e.TenantKey(t, "acme"))
	wantError(t, resp, b, http.StatusNotFound)
	e.AssertLogClean(t, "378282246310005", `"4321"`, id)
}
