package pcivault

import (
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
)

// RetrieveSecretHeader carries a retrieve endpoint's secret.
const RetrieveSecretHeader = "X-PCIVault-Retrieve-Secret"

// retrieveResponse is a retrieve endpoint: Secret only when it is created.
type retrieveResponse struct {
	URL       string `json:"url"`
	UniqueID  string `json:"unique_id"`
	Secret    string `json:"secret"`
	ExpiresAt string `json:"expires_at"`
	User      string `json:"user"`
	Token     string `json:"token"`
	Reference string `json:"reference"`
}

// createRetrieve makes a one-time retrieve endpoint for a stored entry:
// POST /v1/retrieve?user=&passphrase=&token=[&reference=][&ttl=][&unique_id=].
// It hands out the data, so it takes cards:reveal, and it is audited.
func (a *API) createRetrieve(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var ttl time.Duration
	if s := q.Get("ttl"); s != "" {
		d, err := ParseTTL(s)
		if err != nil || d == 0 {
			return vault.Invalid("ttl", "ttl %s is not a duration between 1 second and %s: use Go (45m), ISO-8601 (PT10M) or seconds (3600)", quoted(s), pv.MaxRetrieveTTL)
		}
		ttl = d
	}
	if q.Get("token") == "" {
		return vault.Invalid("token", "token is required")
	}
	rv, err := a.pci.CreateRetrieve(r.Context(), server.Principal(r).Tenant, pv.RetrieveInput{User: q.Get("user"),
		Passphrase: q.Get("passphrase"), Token: q.Get("token"), Reference: q.Get("reference"), UniqueID: q.Get("unique_id"), TTL: ttl})
	if err != nil {
		return err
	}
	if err := a.record(r, "pcivault.retrieve.create", rv.User, rv.Token, rv.Reference, rv.ID); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	server.Encode(w, http.StatusOK, retrieveResponse{URL: Prefix + "/retrieve/" + rv.ID, UniqueID: rv.ID, Secret: rv.Secret,
		ExpiresAt: rv.ExpiresAt.UTC().Format(time.RFC3339), User: rv.User, Token: rv.Token, Reference: rv.Reference})
	return nil
}

// retrieve hands a retrieve endpoint's data to a third party once:
// GET /v1/retrieve/{id} with the secret in RetrieveSecretHeader and no
// account credentials. The answer is the stored JSON as GET /v1/vault
// returns it; the read is audited (actor "retrieve:<id>") before the data
// is sent, and the endpoint is gone afterwards.
func (a *API) retrieve(w http.ResponseWriter, r *http.Request) error {
	rv, data, err := a.pci.Retrieve(r.Context(), r.PathValue("id"), r.Header.Get(RetrieveSecretHeader))
	if err != nil {
		return err
	}
	if err := a.audit.Record(r.Context(), audit.Event{Tenant: rv.Tenant, Actor: "retrieve:" + rv.ID,
		Action: "pcivault.retrieve.read", Targets: []string{rv.User, rv.Token, rv.Reference},
		RequestID: server.RequestIDFrom(r.Context())}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	return nil
}

// deleteRetrieve revokes a retrieve endpoint before it is read:
// DELETE /v1/retrieve/{id}.
func (a *API) deleteRetrieve(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := a.pci.DeleteRetrieve(r.Context(), server.Principal(r).Tenant, id); err != nil {
		return err
	}
	if err := a.record(r, "pcivault.retrieve.delete", id); err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, map[string]any{"unique_id": id, "deleted": true})
	return nil
}

// retrieveCORS lets browsers on any origin read a retrieve endpoint: its
// secret, sent in a header, is the only credential; no cookie is honoured.
func retrieveCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
		h.Set("Access-Control-Allow-Headers", RetrieveSecretHeader)
		h.Set("Access-Control-Max-Age", "600")
		next.ServeHTTP(w, r)
	})
}
