package native

import (
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/jwtauth"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// jwtKeyRequest is the body of POST /jwt-keys: a PEM public key to
// register, or generate to have the vault make a P-521 pair.
type jwtKeyRequest struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
	Generate  bool   `json:"generate"`
}

// jwtKeyResponse shows a JWT key; PrivateKey only when the vault made the
// pair, in that one response.
type jwtKeyResponse struct {
	KID        string    `json:"kid"`
	Name       string    `json:"name"`
	PublicKey  string    `json:"public_key"`
	PrivateKey string    `json:"private_key,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// errNoJWTKeys answers the JWT key routes of a vault built without them.
var errNoJWTKeys = &vault.Error{Code: vault.CodeNotFound, Public: "this vault keeps no JWT keys"}

// createJWTKey registers (or makes) a merchant's JWT key: POST /jwt-keys.
// The vault never keeps a private key; one it makes is in this response
// only.
func (a *API) createJWTKey(w http.ResponseWriter, r *http.Request) error {
	if a.jwtKeys == nil {
		return errNoJWTKeys
	}
	req, err := server.Decode[jwtKeyRequest](r, true)
	if err != nil {
		return err
	}
	var resp jwtKeyResponse
	var pubPEM []byte
	switch {
	case req.Generate == (req.PublicKey != ""):
		return vault.Invalid("public_key", "give either public_key (PEM) or generate: true")
	case req.Generate:
		priv, pub, err := jwtauth.GenerateKeyPair()
		if err != nil {
			return err
		}
		resp.PrivateKey = string(priv)
		if pubPEM, err = jwtauth.MarshalPublicKeyPEM(pub); err != nil {
			return err
		}
	default:
		pubPEM = []byte(req.PublicKey)
	}
	pub, err := jwtauth.ParsePublicKeyPEM(pubPEM)
	if err != nil {
		return vault.Invalid("public_key", "%s", err.Error())
	}
	k, err := a.jwtKeys.Add(r.Context(), server.Principal(r).Tenant, req.Name, pub)
	if err != nil {
		return err
	}
	if err := a.record(r, "jwt_key.create", k.ID); err != nil {
		return err
	}
	resp.KID, resp.Name, resp.PublicKey, resp.CreatedAt = k.ID, k.Name, string(pubPEM), k.CreatedAt
	w.Header().Set("Cache-Control", "no-store")
	server.Encode(w, http.StatusCreated, resp)
	return nil
}

// listJWTKeys pages through the tenant's JWT keys: GET /jwt-keys.
func (a *API) listJWTKeys(w http.ResponseWriter, r *http.Request) error {
	if a.jwtKeys == nil {
		return errNoJWTKeys
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	keys, err := a.jwtKeys.List(r.Context(), server.Principal(r).Tenant, p)
	if err != nil {
		return err
	}
	items := make([]jwtKeyResponse, 0, len(keys))
	for _, k := range keys {
		pemBytes, err := jwtauth.MarshalPublicKeyPEM(k.Public)
		if err != nil {
			return err
		}
		items = append(items, jwtKeyResponse{KID: k.ID, Name: k.Name, PublicKey: string(pemBytes), CreatedAt: k.CreatedAt})
	}
	server.Encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// deleteJWTKey removes a JWT key; its tokens stop working at once:
// DELETE /jwt-keys/{kid}.
func (a *API) deleteJWTKey(w http.ResponseWriter, r *http.Request) error {
	if a.jwtKeys == nil {
		return errNoJWTKeys
	}
	if err := a.jwtKeys.Delete(r.Context(), server.Principal(r).Tenant, r.PathValue("kid")); err != nil {
		return err
	}
	if err := a.record(r, "jwt_key.delete", r.PathValue("kid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
