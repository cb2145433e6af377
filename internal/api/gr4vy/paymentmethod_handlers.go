package gr4vy

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// createPaymentMethod stores a card: POST /payment-methods.
func (a *API) createPaymentMethod(w http.ResponseWriter, r *http.Request) error {
	raw, err := server.ReadBody(r)
	if err != nil {
		return err
	}
	// The body is one of several shapes told apart by "method"; only
	// cards are stored here, and only then are unknown fields refused.
	var probe struct {
		Method *string `json:"method"`
	}
	if err := server.DecodeBytes(raw, &probe, false); err != nil {
		return err
	}
	if probe.Method != nil && *probe.Method == "checkout-session" {
		return a.storeSessionCard(w, r, raw)
	}
	if probe.Method != nil && *probe.Method != "card" {
		return invalid(inBody, "method", "only cards (method \"card\" or \"checkout-session\") can be stored in this vault")
	}
	var req createRequest
	if err := server.DecodeBytes(raw, &req, true); err != nil {
		return err
	}
	in, err := parseCreate(req)
	if err != nil {
		return err
	}
	owner, err := a.buyerOf(r, req.BuyerID, req.BuyerExternalIdentifier)
	if err != nil {
		return err
	}
	return a.storeCard(w, r, in, owner)
}

// storeCard stores a card, for the buyer owner when it is not "", and
// answers 201 with the payment method.
func (a *API) storeCard(w http.ResponseWriter, r *http.Request, in vault.CardInput, owner string) error {
	tenant := server.Principal(r).Tenant
	var c vault.CardView
	var err error
	if owner != "" {
		c, err = a.buyers.CreateCard(r.Context(), tenant, owner, in)
	} else {
		c, err = a.vault.CreateCard(r.Context(), tenant, in)
	}
	if err != nil {
		return err
	}
	return a.writePaymentMethod(w, r, http.StatusCreated, c)
}

// render is toPaymentMethod with the buyer the card belongs to.
func (a *API) render(ctx context.Context, c vault.CardView) (paymentMethod, error) {
	pm := toPaymentMethod(c)
	if a.buyers == nil {
		return pm, nil
	}
	owner, err := a.buyers.Owner(ctx, c.Tenant, c.ID)
	if err != nil || owner == "" {
		return pm, err
	}
	b, err := a.buyers.Get(ctx, c.Tenant, owner)
	if vault.CodeOf(err) == vault.CodeNotFound {
		return pm, nil
	}
	if err != nil {
		return pm, err
	}
	body := toBuyer(b)
	pm.Buyer = &body
	return pm, nil
}

// writePaymentMethod answers with the card as a PaymentMethod (with its
// buyer) and status.
func (a *API) writePaymentMethod(w http.ResponseWriter, r *http.Request, status int, c vault.CardView) error {
	pm, err := a.render(r.Context(), c)
	if err != nil {
		return err
	}
	server.Encode(w, status, pm)
	return nil
}

// getPaymentMethod returns a masked card: GET /payment-methods/{id}.
func (a *API) getPaymentMethod(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := a.vault.GetCard(r.Context(), server.Principal(r).Tenant, id)
	if err != nil {
		return orNotFound(err)
	}
	return a.writePaymentMethod(w, r, http.StatusOK, c)
}

// deletePaymentMethod removes a card, any security code held for it and
// its network tokens: DELETE /payment-methods/{id}.
func (a *API) deletePaymentMethod(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if a.networkTokens != nil {
		// The card's network tokens go first: a token left active at the
		// network for a card the vault no longer holds could not be
		// deleted later.
		if _, err := a.vault.GetCard(r.Context(), server.Principal(r).Tenant, id); err != nil {
			return orNotFound(err)
		}
		if err := a.networkTokens.DeleteCard(r.Context(), server.Principal(r).Tenant, id); err != nil {
			return err
		}
	}
	del := a.vault.DeleteCard
	if a.buyers != nil {
		del = a.buyers.DeleteCard // also unlinks it from its buyer
	}
	if err := del(r.Context(), server.Principal(r).Tenant, id); err != nil {
		return orNotFound(err)
	}
	if a.tokens != nil {
		if err := a.tokens.DeleteCard(r.Context(), server.Principal(r).Tenant, id); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
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
