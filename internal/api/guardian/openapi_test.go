package guardian_test

import (
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
)

// TestExchangesMatchTheOpenAPIDocument drives the Guardian facade's main
// flow (tokenize, list, get, security code, metadata inquiry, forward to a
// loopback provider, API keys, delete) and refusals through a client that
// checks every exchange against docs/guardian.json.
func TestExchangesMatchTheOpenAPIDocument(t *testing.T) {
	u := newUpstream(t)
	e := newForwardEnv(t, u)
	v := apidoctest.New(t, "guardian")
	v.Run(t, e.URL, []apidoctest.Step{
		{Method: "POST", Path: "/api/pci/tokens", Body: panBody, Status: 200, Save: map[string]string{"tok": "id"}},
		{Method: "GET", Path: "/api/pci/tokens", Status: 200},
		{Method: "GET", Path: "/api/pci/tokens/{tok}", Status: 200},
		{Method: "GET", Path: "/api/pci/tokens/{tok}/security-code", Status: 200},
		{Method: "POST", Path: "/api/metadata/inquiries", Body: `{"source":{"type":"pci_token","id":"{tok}"}}`, Status: 200},
		{Method: "POST", Path: "/api/pci/tokens/{tok}/forward", Body: forwardBody, Status: 201,
			Headers: []string{"x-destination-url", u.URL + "/payments"}},
		{Method: "DELETE", Path: "/api/pci/tokens/{tok}/security-code", Status: 204},
		{Method: "POST", Path: "/api/admin/api-keys", Body: `{"scopes":["pci:tokens:read"],"expiration_time":3600}`, Status: 200,
			Save: map[string]string{"key": "id"}},
		{Method: "GET", Path: "/api/admin/api-keys", Status: 200},
		{Method: "GET", Path: "/api/admin/api-keys/{key}", Status: 200},
		{Method: "DELETE", Path: "/api/admin/api-keys/{key}", Status: 204},
		{Method: "GET", Path: "/api/pci/tokens/00000000-0000-4000-8000-000000000000", Status: 404},
		{Method: "GET", Path: "/api/pci/tokens/not-a-uuid", Status: 400},
		{Method: "POST", Path: "/api/pci/tokens", Body: `{"source":{"type":"pan","account_number":"4111111111111112"}}`, Status: 400},
		{Method: "DELETE", Path: "/api/pci/tokens/{tok}", Status: 204},
	}, "x-api-key", e.AdminKey)
	v.WantChecked(t, "POST /api/pci/tokens", "GET /api/pci/tokens", "GET /api/pci/tokens/{id}", "DELETE /api/pci/tokens/{id}",
		"GET /api/pci/tokens/{id}/security-code", "DELETE /api/pci/tokens/{id}/security-code", "POST /api/metadata/inquiries",
		"POST /api/pci/tokens/{id}/forward", "POST /api/admin/api-keys", "GET /api/admin/api-keys", "GET /api/admin/api-keys/{id}",
		"DELETE /api/admin/api-keys/{id}")
	v.Run(t, e.URL, []apidoctest.Step{{Method: "GET", Path: "/api/pci/tokens", Status: 401}},
		"x-api-key", "wrong-key-"+strings.Repeat("x", 40))
}
