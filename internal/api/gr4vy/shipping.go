package gr4vy

import (
	"encoding/json"
	"net/http"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault/buyers"
)

// shippingDetails is Gr4vy's ShippingDetails.
type shippingDetails struct {
	contact
	ID      string `json:"id"`
	BuyerID string `json:"buyer_id"`
	Type    string `json:"type"`
}

// shippingList is Gr4vy's ShippingDetailsList.
type shippingList struct {
	Items []shippingDetails `json:"items"`
}

// toShipping renders a stored address.
func toShipping(a buyers.Address) shippingDetails {
	out := shippingDetails{ID: a.ID, BuyerID: a.BuyerID, Type: "shipping-details"}
	_ = json.Unmarshal(a.Details, &out.contact) // written by this facade
	return out
}

// decodeShipping reads a ShippingDetailsCreate/Update body, and which
// fields it named.
func decodeShipping(r *http.Request) (contact, map[string]json.RawMessage, error) {
	var c contact
	raw, err := server.ReadBody(r)
	if err != nil {
		return c, nil, err
	}
	if err := server.DecodeBytes(raw, &c, true); err != nil {
		return c, nil, err
	}
	var present map[string]json.RawMessage
	if err := json.Unmarshal(raw, &present); err != nil || present == nil {
		return c, nil, invalid(inBody, "body", "the body must be a JSON object")
	}
	return c, present, c.validate("")
}

// shippingID returns the path's shipping details id, which must be a UUID.
func shippingID(r *http.Request) (string, error) {
	id, err := uuid.Parse(r.PathValue("shipping_details_id"))
	if err != nil {
		return "", invalid(inPath, "shipping_details_id", "shipping_details_id must be a UUID")
	}
	return id.String(), nil
}

// addShipping stores shipping details: POST /buyers/{buyer_id}/shipping-details.
func (a *API) addShipping(w http.ResponseWriter, r *http.Request) error {
	if a.buyers == nil {
		return errNoBuyers
	}
	id, err := buyerID(r)
	if err != nil {
		return err
	}
	c, _, err := decodeShipping(r)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	addr, err := a.buyers.AddAddress(r.Context(), server.Principal(r).Tenant, id, raw)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusCreated, toShipping(addr))
	return nil
}

// listShipping lists a buyer's shipping details: GET /buyers/{buyer_id}/shipping-details.
func (a *API) listShipping(w http.ResponseWriter, r *http.Request) error {
	if a.buyers == nil {
		return errNoBuyers
	}
	id, err := buyerID(r)
	if err != nil {
		return err
	}
	addrs, err := a.buyers.Addresses(r.Context(), server.Principal(r).Tenant, id)
	if err != nil {
		return err
	}
	out := shippingList{Items: make([]shippingDetails, len(addrs))}
	for i, addr := range addrs {
		out.Items[i] = toShipping(addr)
	}
	server.Encode(w, http.StatusOK, out)
	return nil
}

// getShipping returns one of a buyer's shipping details.
func (a *API) getShipping(w http.ResponseWriter, r *http.Request) error {
	if a.buyers == nil {
		return errNoBuyers
	}
	bid, err := buyerID(r)
	if err != nil {
		return err
	}
	sid, err := shippingID(r)
	if err != nil {
		return err
	}
	addr, err := a.buyers.Address(r.Context(), server.Principal(r).Tenant, bid, sid)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, toShipping(addr))
	return nil
}

// updateShipping changes the fields a request names (null clears one).
func (a *API) updateShipping(w http.ResponseWriter, r *http.Request) error {
	if a.buyers == nil {
		return errNoBuyers
	}
	bid, err := buyerID(r)
	if err != nil {
		return err
	}
	sid, err := shippingID(r)
	if err != nil {
		return err
	}
	c, present, err := decodeShipping(r)
	if err != nil {
		return err
	}
	addr, err := a.buyers.UpdateAddress(r.Context(), server.Principal(r).Tenant, bid, sid, func(old json.RawMessage) (json.RawMessage, error) {
		var cur map[string]json.RawMessage
		if err := json.Unmarshal(old, &cur); err != nil || cur == nil {
			cur = map[string]json.RawMessage{}
		}
		set, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		var next map[string]json.RawMessage
		if err := json.Unmarshal(set, &next); err != nil {
			return nil, err
		}
		for k := range present {
			cur[k] = next[k]
		}
		return json.Marshal(cur)
	})
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, toShipping(addr))
	return nil
}

// deleteShipping removes one of a buyer's shipping details.
func (a *API) deleteShipping(w http.ResponseWriter, r *http.Request) error {
	if a.buyers == nil {
		return errNoBuyers
	}
	bid, err := buyerID(r)
	if err != nil {
		return err
	}
	sid, err := shippingID(r)
	if err != nil {
		return err
	}
	if err := a.buyers.DeleteAddress(r.Context(), server.Principal(r).Tenant, bid, sid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
