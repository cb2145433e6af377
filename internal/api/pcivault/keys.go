package pcivault

import (
	"bytes"
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// keyParams are the parameters of the /key operations, from the JSON body
// (as PCI Vault documents POST /key) or, for any left empty, the query.
type keyParams struct {
	User          string `json:"user"`
	Passphrase    string `json:"passphrase"`
	OldPassphrase string `json:"old_passphrase"`
	NewPassphrase string `json:"new_passphrase"`
}

// readKeyParams merges the JSON body (optional) with the query string.
func readKeyParams(w http.ResponseWriter, r *http.Request) (keyParams, error) {
	var p keyParams
	raw, err := readBody(w, r)
	if err != nil {
		return p, err
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := server.DecodeBytes(raw, &p, false); err != nil {
			return p, err
		}
	}
	q := r.URL.Query()
	for _, f := range []struct {
		dst  *string
		name string
	}{{&p.User, "user"}, {&p.Passphrase, "passphrase"}, {&p.OldPassphrase, "old_passphrase"}, {&p.NewPassphrase, "new_passphrase"}} {
		if *f.dst == "" {
			*f.dst = q.Get(f.name)
		}
	}
	return p, nil
}

// passphraseChange picks the old and new passphrase of PUT /key from the
// spellings accepted: old_passphrase + new_passphrase, passphrase (old) +
// new_passphrase, or old_passphrase + passphrase (new).
func (p keyParams) passphraseChange() (old, new string) {
	switch {
	case p.NewPassphrase != "" && p.OldPassphrase != "":
		return p.OldPassphrase, p.NewPassphrase
	case p.NewPassphrase != "":
		return p.Passphrase, p.NewPassphrase
	case p.OldPassphrase != "":
		return p.OldPassphrase, p.Passphrase
	}
	return p.Passphrase, ""
}

// keyResponse is one key; Passphrase only when the vault generated it.
type keyResponse struct {
	User       string     `json:"user"`
	Passphrase string     `json:"passphrase,omitempty"`
	CreatedAt  *time.Time `json:"created_at,omitempty"`
}

// createKey makes a key for a user: POST /v1/key.
func (a *API) createKey(w http.ResponseWriter, r *http.Request) error {
	p, err := readKeyParams(w, r)
	if err != nil {
		return err
	}
	u, generated, err := a.pci.CreateUserKey(r.Context(), server.Principal(r).Tenant, p.User, p.Passphrase)
	if err != nil {
		return err
	}
	if err := a.record(r, "pcivault.key.create", u.Name); err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, keyResponse{User: u.Name, Passphrase: generated, CreatedAt: &u.CreatedAt})
	return nil
}

// listKeys lists keys, never their secrets: GET /v1/key.
func (a *API) listKeys(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	users, next, err := a.pci.ListUserKeys(r.Context(), server.Principal(r).Tenant, pg)
	if err != nil {
		return err
	}
	out := make([]keyResponse, len(users))
	for i, u := range users {
		out[i] = keyResponse{User: u.Name, CreatedAt: &u.CreatedAt}
	}
	setNext(w, next)
	server.Encode(w, http.StatusOK, out)
	return nil
}

// changePassphrase rewraps a key under a new passphrase: PUT /v1/key.
func (a *API) changePassphrase(w http.ResponseWriter, r *http.Request) error {
	p, err := readKeyParams(w, r)
	if err != nil {
		return err
	}
	old, new := p.passphraseChange()
	if new == "" {
		return vault.Invalid("new_passphrase", "new_passphrase is required")
	}
	if err := a.pci.ChangePassphrase(r.Context(), server.Principal(r).Tenant, p.User, old, new); err != nil {
		return err
	}
	if err := a.record(r, "pcivault.key.passphrase", p.User); err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, keyResponse{User: p.User})
	return nil
}

// deleteKey removes a key: DELETE /v1/key?user=&safe=.
func (a *API) deleteKey(w http.ResponseWriter, r *http.Request) error {
	user := r.URL.Query().Get("user")
	safe, err := parseBool(r, "safe", true)
	if err != nil {
		return err
	}
	n, err := a.pci.DeleteUserKey(r.Context(), server.Principal(r).Tenant, user, safe)
	if err != nil {
		return err
	}
	if err := a.record(r, "pcivault.key.delete", user); err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, map[string]any{"user": user, "deleted_entries": n})
	return nil
}
