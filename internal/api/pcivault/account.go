package pcivault

import (
	"net/http"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/server"
)

// whoamiResponse answers GET /v1/whoami: PCI Vault's four fields, filled
// with what cardvault knows, plus the tenant and scopes of the key.
type whoamiResponse struct {
	// User is the API key's id: cardvault's account is the key.
	User                   string   `json:"user"`
	APIVersion             string   `json:"api_version"`
	BackwardsCompatibility string   `json:"backwards_compatibility"`
	Environment            string   `json:"environment"`
	Tenant                 string   `json:"tenant"`
	Scopes                 []string `json:"scopes"`
}

// whoami names the caller: GET /v1/whoami (any valid key).
func (a *API) whoami(w http.ResponseWriter, r *http.Request) error {
	p := server.Principal(r)
	scopes := make([]string, len(p.Scopes))
	for i, s := range p.Scopes {
		scopes[i] = string(s)
	}
	server.Encode(w, http.StatusOK, whoamiResponse{User: p.KeyID, APIVersion: "v1", BackwardsCompatibility: "v1",
		Environment: "cardvault", Tenant: p.Tenant, Scopes: scopes})
	return nil
}

// passphrase suggests a fresh passphrase: GET /v1/passphrase (any valid
// key). It is 256 random bits (43 URL-safe characters), the same as
// POST /v1/key generates, and the vault keeps no copy.
func (a *API) passphrase(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	server.Encode(w, http.StatusOK, map[string]string{"passphrase": seal.NewSecret()})
	return nil
}
