package pcivault

import (
	"net/http"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
)

// entryResponse answers a store: the token and reference that name the data.
type entryResponse struct {
	Token     string `json:"token"`
	User      string `json:"user"`
	Reference string `json:"reference"`
}

func entryView(e pv.EntryRef) entryResponse {
	return entryResponse{Token: e.Token, User: e.User, Reference: e.Reference}
}

// tokenRef is one entry in a list.
type tokenRef struct {
	Token     string `json:"token"`
	Reference string `json:"reference"`
}

// storeData stores a JSON object under a key: POST /v1/vault.
func (a *API) storeData(w http.ResponseWriter, r *http.Request) error {
	if err := unsupported(r, "rules"); err != nil {
		return err
	}
	raw, err := readBody(w, r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ref, err := a.pci.StoreEntry(r.Context(), server.Principal(r).Tenant, pv.StoreInput{User: q.Get("user"),
		Passphrase: q.Get("passphrase"), Reference: q.Get("reference"), Data: raw, Number: q.Get("number")})
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, entryView(ref))
	return nil
}

// getData returns stored data (GET /v1/vault?token=…, cards:reveal, audited)
// or, without a token, lists tokens and references (cards:read).
func (a *API) getData(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("token") == "" {
		return a.listData(w, r)
	}
	if err := server.Principal(r).Require(vault.ScopeCardsReveal); err != nil {
		return err
	}
	if err := unsupportedIn(q, "mask_fields", "rules"); err != nil {
		return err
	}
	tenant := server.Principal(r).Tenant
	ref, data, err := a.pci.RevealEntry(r.Context(), tenant, q.Get("user"), q.Get("passphrase"), q.Get("token"), q.Get("reference"))
	if err != nil {
		return err
	}
	if err := a.record(r, "pcivault.reveal", ref.User, ref.Token, ref.Reference); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	return nil
}

// listData lists tokens and references, never data, grouped by user:
// {"user": [{"token", "reference"}]}.
func (a *API) listData(w http.ResponseWriter, r *http.Request) error {
	if err := server.Principal(r).Require(vault.ScopeCardsRead); err != nil {
		return err
	}
	pg, err := page(r)
	if err != nil {
		return err
	}
	user := r.URL.Query().Get("user")
	refs, next, err := a.pci.ListEntries(r.Context(), server.Principal(r).Tenant, user, pg)
	if err != nil {
		return err
	}
	out := map[string][]tokenRef{}
	if user != "" {
		out[user] = []tokenRef{}
	}
	for _, e := range refs {
		out[e.User] = append(out[e.User], tokenRef{Token: e.Token, Reference: e.Reference})
	}
	setNext(w, next)
	server.Encode(w, http.StatusOK, out)
	return nil
}

// deleteData deletes one entry, or every entry of a token when no reference
// is given: DELETE /v1/vault?token=&reference=.
func (a *API) deleteData(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	token := q.Get("token")
	if token == "" {
		return vault.Invalid("token", "token is required")
	}
	n, err := a.pci.DeleteEntries(r.Context(), server.Principal(r).Tenant, q.Get("user"), token, q.Get("reference"))
	if err != nil {
		return err
	}
	if err := a.record(r, "pcivault.delete", q.Get("user"), token, q.Get("reference")); err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, map[string]any{"token": token, "reference": q.Get("reference"), "deleted": n})
	return nil
}
