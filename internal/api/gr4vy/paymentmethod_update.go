package gr4vy

import (
	"encoding/json"
	"net/http"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// updateRequest is Gr4vy's PaymentMethodUpdate, plus what cardvault also
// lets a merchant change: the external identifier and the buyer.
type updateRequest struct {
	ExpirationDate            *string `json:"expiration_date"`
	ExternalIdentifier        *string `json:"external_identifier"`
	BuyerID                   *string `json:"buyer_id"`
	BuyerExternalIdentifier   *string `json:"buyer_external_identifier"`
	SchemeTransactionID       *string `json:"scheme_transaction_id"`
	SchemeTransactionIDScheme *string `json:"scheme_transaction_id_scheme"`
	TransactionLinkID         *string `json:"transaction_link_id"`
}

// updatePaymentMethod changes a stored card's expiry, external identifier
// or buyer: PUT /payment-methods/{id}. A field given as null clears it
// (the external identifier; for the buyer, both buyer fields null make
// the card belong to no buyer); the card number never changes.
func (a *API) updatePaymentMethod(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	raw, err := server.ReadBody(r)
	if err != nil {
		return err
	}
	var req updateRequest
	if err := server.DecodeBytes(raw, &req, true); err != nil {
		return err
	}
	var present map[string]json.RawMessage
	if err := json.Unmarshal(raw, &present); err != nil || present == nil {
		return invalid(inBody, "body", "the body must be a JSON object")
	}
	for _, f := range []string{"scheme_transaction_id", "scheme_transaction_id_scheme", "transaction_link_id"} {
		if v, ok := present[f]; ok && string(v) != "null" {
			return invalid(inBody, f, "%s is not kept by this vault: it makes no transactions", f)
		}
	}
	var u vault.CardUpdate
	if v, ok := present["expiration_date"]; ok {
		if string(v) == "null" || req.ExpirationDate == nil || !mmyy.MatchString(*req.ExpirationDate) {
			return invalid(inBody, "expiration_date", "expiration_date must be formatted MM/YY")
		}
		exp, err := card.ParseExpiry(*req.ExpirationDate)
		if err != nil {
			return invalid(inBody, "expiration_date", "%s", err.Error())
		}
		u.Expiry = &exp
	}
	if _, ok := present["external_identifier"]; ok {
		ref, err := parseReference(req.ExternalIdentifier)
		if err != nil {
			return err
		}
		u.Reference = &ref
	}
	_, setID := present["buyer_id"]
	_, setRef := present["buyer_external_identifier"]
	owner := ""
	if setID || setRef {
		if owner, err = a.buyerOf(r, req.BuyerID, req.BuyerExternalIdentifier); err != nil {
			return err
		}
	}
	tenant := server.Principal(r).Tenant
	c, err := a.vault.GetCard(r.Context(), tenant, id)
	if err != nil {
		return orNotFound(err)
	}
	if u.Expiry != nil || u.Reference != nil {
		if c, err = a.vault.UpdateCard(r.Context(), tenant, id, u); err != nil {
			return orNotFound(err)
		}
	}
	if setID || setRef {
		if a.buyers == nil {
			return errNoBuyers
		}
		if err := a.buyers.SetOwner(r.Context(), tenant, id, owner); err != nil {
			return orNotFound(err)
		}
	}
	pm, err := a.render(r.Context(), c)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, pm)
	return nil
}
