package gr4vy_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// A disabled tenant's checkout sessions stop with its keys: the browser's
// calls, whose only credential is the session id, must not keep taking
// cards into them, nor frame their controller.
func TestSecureFieldsStopWhenTheTenantIsDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", forward.Options{})
	key := []string{"Authorization", "Bearer " + e.TenantKey(t, "acme")}
	resp, b := e.Do(t, "POST", "/checkout/sessions", `{"allowed_origins":["https://shop.example"]}`, key...)
	vaulttest.WantStatus(t, resp, b, http.StatusCreated)
	id := vaulttest.Decode[struct{ ID string }](t, b).ID
	fields := "/checkout/sessions/" + id + "/fields"
	put := `{"payment_method":{"method":"card","number":"` + visaPAN + `","expiration_date":"07/31","security_code":"737"}}`

	resp, b = e.Do(t, "PUT", fields, put)
	vaulttest.WantStatus(t, resp, b, http.StatusNoContent)
	if err := e.Vault.DisableTenant(t.Context(), "acme"); err != nil {
		t.Fatal(err)
	}
	resp, b = e.Do(t, "PUT", fields, put)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "checkout session")
	resp, b = e.Do(t, "POST", "/checkout/sessions/"+id+"/card-details", `{"bin":"411111"}`)
	assertError(t, resp, b, http.StatusNotFound, "not_found", "checkout session")
	resp, b = e.Do(t, "GET", controllerURL("https://evil.example", id), "")
	if resp.StatusCode != http.StatusOK || strings.Contains(resp.Header.Get("Content-Security-Policy"), "shop.example") {
		t.Errorf("a disabled tenant's session still answers as live (it told its origins): %d %s %s", resp.StatusCode, resp.Header, b)
	}
	e.AssertLogClean(t, visaPAN, "737")
}
