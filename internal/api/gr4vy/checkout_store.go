package gr4vy

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// sessionMethodCreate is Gr4vy's CheckoutSessionPaymentMethodCreate.
type sessionMethodCreate struct {
	Method                  *string `json:"method"`
	ID                      *string `json:"id"`
	ExternalIdentifier      *string `json:"external_identifier"`
	BuyerID                 *string `json:"buyer_id"`
	BuyerExternalIdentifier *string `json:"buyer_external_identifier"`
}

// storeSessionCard stores the card a checkout session holds:
// POST /payment-methods {"method":"checkout-session","id":…}. The
// security code stays with the session (forwardable through it while it
// lives) and is not stored with the card.
func (a *API) storeSessionCard(w http.ResponseWriter, r *http.Request, raw []byte) error {
	var req sessionMethodCreate
	if err := server.DecodeBytes(raw, &req, true); err != nil {
		return err
	}
	if req.ID == nil || uuid.Validate(*req.ID) != nil {
		return invalid(inBody, "id", "id must be the checkout session's id (a UUID)")
	}
	if a.checkouts == nil {
		return errNoCheckout
	}
	var in vault.CardInput
	var err error
	if in.Reference, err = parseReference(req.ExternalIdentifier); err != nil {
		return err
	}
	tenant := server.Principal(r).Tenant
	owner, err := a.buyerOf(r, req.BuyerID, req.BuyerExternalIdentifier)
	if err != nil {
		return err
	}
	sec, err := a.checkouts.Secrets(r.Context(), tenant, *req.ID)
	if err != nil {
		return err
	}
	if sec.PAN.IsZero() {
		return invalid(inBody, "id", "the checkout session holds no card to store (its fields were not filled with a card)")
	}
	in.PAN, in.Expiry = sec.PAN, sec.Expiry
	if in.Expiry.Expired(a.vault.Now()) {
		return invalid(inBody, "id", "the checkout session's card has expired")
	}
	tenantCard := func() (vault.CardView, error) {
		if owner != "" {
			return a.buyers.CreateCard(r.Context(), tenant, owner, in)
		}
		return a.vault.CreateCard(r.Context(), tenant, in)
	}
	c, err := tenantCard()
	if err != nil {
		return err
	}
	if err := a.checkouts.Linked(r.Context(), tenant, *req.ID, c.ID); err != nil {
		return err
	}
	pm, err := a.render(r.Context(), c)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusCreated, pm)
	return nil
}
