package pcivault_test

import (
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
)

// TestExchangesMatchTheOpenAPIDocument drives the PCI Vault facade's main
// flow (user key, store, reveal, list, capture endpoint and a browser's
// capture post, deletes) and refusals through a client that checks every
// exchange against docs/pcivault.json. The hosted form routes in that
// document are served by package hostedform.
func TestExchangesMatchTheOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	v := apidoctest.New(t, "pcivault")
	up := q("user", user, "passphrase", passphrase)
	v.Run(t, e.URL, []apidoctest.Step{
		{Method: "POST", Path: "/v1/key", Body: `{"user":"` + user + `","passphrase":"` + passphrase + `"}`, Status: 200},
		{Method: "GET", Path: "/v1/key", Status: 200},
		{Method: "POST", Path: "/v1/vault" + up + "&reference=r1", Body: `{"card_number":"` + pan + `","card_holder":"Ada Lovelace"}`,
			Status: 200, Save: map[string]string{"token": "token"}},
		{Method: "GET", Path: "/v1/vault" + up + "&token={token}&reference=r1", Status: 200},
		{Method: "GET", Path: "/v1/vault?user=" + user, Status: 200},
		{Method: "POST", Path: "/v1/capture" + up, Status: 200, Save: map[string]string{"ep": "unique_id", "secret": "secret"}},
		{Method: "GET", Path: "/v1/capture", Status: 200},
		{Method: "POST", Path: "/v1/capture/{ep}", Body: `{"card_number":"` + otherPAN + `"}`, Status: 200,
			Headers: []string{"Content-Type", "text/plain;charset=UTF-8", pcivault.SecretHeader, "{secret}", "Origin", "https://shop.example"}},
		{Method: "POST", Path: "/v1/vault" + q("user", user, "passphrase", "NotThePassphraseButLong"), Body: `{"card_number":"` + pan + `"}`, Status: 401},
		{Method: "DELETE", Path: "/v1/capture/{ep}", Status: 200},
		{Method: "DELETE", Path: "/v1/vault?user=" + user + "&token={token}&reference=r1", Status: 200},
	}, "Authorization", e.basic)
	v.WantChecked(t, "POST /v1/key", "GET /v1/key", "POST /v1/vault", "GET /v1/vault", "DELETE /v1/vault",
		"POST /v1/capture", "GET /v1/capture", "POST /v1/capture/{id}", "DELETE /v1/capture/{id}")
	v.Run(t, e.URL, []apidoctest.Step{{Method: "GET", Path: "/v1/key", Status: 401}},
		"Authorization", "Basic "+strings.Repeat("x", 40))
}
