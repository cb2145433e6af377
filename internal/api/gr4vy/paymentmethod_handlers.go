package gr4vy

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// createPaymentMethod stores a card: POST /payment-methods.
func (a *API) createPaymentMethod() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := server.ReadBody(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		// The body is one of several shapes told apart by "method"; only
		// cards are stored here, and only then are unknown fields refused.
		var probe struct {
			Method *string `json:"method"`
		}
		if err := server.DecodeBytes(raw, &probe, false); err != nil {
			a.fail(w, r, err)
			return
		}
		if probe.Method != nil && *probe.Method != "card" {
			a.fail(w, r, invalid(inBody, "method", "only card payment methods (method \"card\") can be stored in this vault"))
			return
		}
		var req createRequest
		if err := server.DecodeBytes(raw, &req, true); err != nil {
			a.fail(w, r, err)
			return
		}
		in, err := parseCreate(req)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		c, err := a.vault.CreateCard(r.Context(), principal(r).Tenant, in)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		server.Encode(w, http.StatusCreated, toPaymentMethod(c))
	})
}

// getPaymentMethod returns a masked card: GET /payment-methods/{id}.
func (a *API) getPaymentMethod() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		c, err := a.vault.GetCard(r.Context(), principal(r).Tenant, id)
		if err != nil {
			a.fail(w, r, orNotFound(err))
			return
		}
		server.Encode(w, http.StatusOK, toPaymentMethod(c))
	})
}

// deletePaymentMethod removes a card and any security code held for it:
// DELETE /payment-methods/{id}.
func (a *API) deletePaymentMethod() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if err := a.vault.DeleteCard(r.Context(), principal(r).Tenant, id); err != nil {
			a.fail(w, r, orNotFound(err))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// pathID returns the payment method id of the path, which must be a UUID.
func pathID(r *http.Request) (string, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return "", invalid(inPath, "payment_method_id", "payment_method_id must be a UUID")
	}
	return id.String(), nil
}

// orNotFound gives a missing card Gr4vy's words; other errors pass.
func orNotFound(err error) error {
	if vault.CodeOf(err) == vault.CodeNotFound {
		return notFound
	}
	return err
}
