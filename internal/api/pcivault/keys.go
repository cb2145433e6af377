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
func (a *API) createKey() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := readKeyParams(w, r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		u, generated, err := a.pci.CreateUserKey(r.Context(), principal(r).Tenant, p.User, p.Passphrase)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if err := a.record(r, "pcivault.key.create", u.Name); err != nil {
			a.fail(w, r, err)
			return
		}
		server.Encode(w, http.StatusOK, keyResponse{User: u.Name, Passphrase: generated, CreatedAt: &u.CreatedAt})
	})
}

// listKeys lists keys, never their secrets: GET /v1/key.
func (a *API) listKeys() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pg, err := page(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		users, next, err := a.pci.ListUserKeys(r.Context(), principal(r).Tenant, pg)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		out := make([]keyResponse, len(users))
		for i, u := range users {
			out[i] = keyResponse{User: u.Name, CreatedAt: &u.CreatedAt}
		}
		setNext(w, next)
		server.Encode(w, http.StatusOK, out)
	})
}

// changePassphrase rewraps a key under a new passphrase: PUT /v1/key.
func (a *API) changePassphrase() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := readKeyParams(w, r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		old, new := p.passphraseChange()
		if new == "" {
			a.fail(w, r, vault.Invalid("new_passphrase", "new_passphrase is required"))
			return
		}
		if err := a.pci.ChangePassphrase(r.Context(), principal(r).Tenant, p.User, old, new); err != nil {
			a.fail(w, r, err)
			return
		}
		if err := a.record(r, "pcivault.key.passphrase", p.User); err != nil {
			a.fail(w, r, err)
			return
		}
		server.Encode(w, http.StatusOK, keyResponse{User: p.User})
	})
}

// deleteKey removes a key: DELETE /v1/key?user=&safe=.
func (a *API) deleteKey() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := r.URL.Query().Get("user")
		safe, err := parseBool(r, "safe", true)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		n, err := a.pci.DeleteUserKey(r.Context(), principal(r).Tenant, user, safe)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if err := a.record(r, "pcivault.key.delete", user); err != nil {
			a.fail(w, r, err)
			return
		}
		server.Encode(w, http.StatusOK, map[string]any{"user": user, "deleted_entries": n})
	})
}
