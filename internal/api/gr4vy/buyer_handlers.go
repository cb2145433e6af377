package gr4vy

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/buyers"
)

// errNoBuyers answers the buyer routes of a vault built without buyers.
var errNoBuyers = errorf(vault.CodeNotFound, "buyers are not available in this vault")

// decodeBuyer reads a BuyerCreate/BuyerUpdate body and which fields it set
// (null included).
func decodeBuyer(r *http.Request) (buyerInput, map[string]json.RawMessage, error) {
	var in buyerInput
	raw, err := server.ReadBody(r)
	if err != nil {
		return in, nil, err
	}
	if err := server.DecodeBytes(raw, &in, true); err != nil {
		return in, nil, err
	}
	var present map[string]json.RawMessage
	if err := json.Unmarshal(raw, &present); err != nil || present == nil {
		return in, nil, invalid(inBody, "body", "the body must be a JSON object")
	}
	return in, present, in.validate()
}

// apply sets on b the fields of in that the request named; a field given
// as null is cleared.
func (in buyerInput) apply(b *buyers.Buyer, present map[string]json.RawMessage) error {
	var d buyerDetails
	if len(b.Details) > 0 {
		if err := json.Unmarshal(b.Details, &d); err != nil {
			return err
		}
	}
	if _, ok := present["display_name"]; ok {
		d.DisplayName = in.DisplayName
	}
	if _, ok := present["billing_details"]; ok {
		d.BillingDetails = in.BillingDetails
	}
	if _, ok := present["account_number"]; ok {
		d.AccountNumber = in.AccountNumber
	}
	if _, ok := present["external_identifier"]; ok {
		b.Reference = ""
		if in.ExternalIdentifier != nil {
			b.Reference = *in.ExternalIdentifier
		}
	}
	raw, err := json.Marshal(d)
	b.Details = raw
	return err
}

// createBuyer stores a buyer: POST /buyers.
func (a *API) createBuyer(w http.ResponseWriter, r *http.Request) error {
	if a.buyers == nil {
		return errNoBuyers
	}
	in, present, err := decodeBuyer(r)
	if err != nil {
		return err
	}
	var b buyers.Buyer
	if err := in.apply(&b, present); err != nil {
		return err
	}
	b, err = a.buyers.Create(r.Context(), server.Principal(r).Tenant, b)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusCreated, toBuyer(b))
	return nil
}

// buyerID returns the path's buyer id, which must be a UUID.
func buyerID(r *http.Request) (string, error) {
	id, err := uuid.Parse(r.PathValue("buyer_id"))
	if err != nil {
		return "", invalid(inPath, "buyer_id", "buyer_id must be a UUID")
	}
	return id.String(), nil
}

// getBuyer returns a buyer: GET /buyers/{buyer_id}.
func (a *API) getBuyer(w http.ResponseWriter, r *http.Request) error {
	id, err := a.pathBuyer(r)
	if err != nil {
		return err
	}
	b, err := a.buyers.Get(r.Context(), server.Principal(r).Tenant, id)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, toBuyer(b))
	return nil
}

// updateBuyer changes the fields a request names: PUT /buyers/{buyer_id}.
func (a *API) updateBuyer(w http.ResponseWriter, r *http.Request) error {
	id, err := a.pathBuyer(r)
	if err != nil {
		return err
	}
	in, present, err := decodeBuyer(r)
	if err != nil {
		return err
	}
	b, err := a.buyers.Update(r.Context(), server.Principal(r).Tenant, id, func(b *buyers.Buyer) error {
		return in.apply(b, present)
	})
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, toBuyer(b))
	return nil
}

// deleteBuyer removes a buyer with its payment methods and shipping
// details: DELETE /buyers/{buyer_id}.
func (a *API) deleteBuyer(w http.ResponseWriter, r *http.Request) error {
	id, err := a.pathBuyer(r)
	if err != nil {
		return err
	}
	tenant := server.Principal(r).Tenant
	cards, err := a.buyers.Cards(r.Context(), tenant, id)
	if err != nil {
		return err
	}
	// Their network tokens go before the cards, so that none stays active
	// at the network for a card the vault no longer holds.
	if a.networkTokens != nil {
		for _, c := range cards {
			if err := a.networkTokens.DeleteCard(r.Context(), tenant, c); err != nil {
				return err
			}
		}
	}
	if _, err := a.buyers.Delete(r.Context(), tenant, id); err != nil {
		return err
	}
	// Their payment-service tokens go too (the cards are gone already, so
	// a failure here leaves only unreachable sealed records).
	if a.tokens != nil {
		for _, c := range cards {
			if err := a.tokens.DeleteCard(r.Context(), tenant, c); err != nil {
				return err
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// buyerList is Gr4vy's Buyers.
type buyerList struct {
	Items          []buyerBody `json:"items"`
	Limit          int         `json:"limit"`
	NextCursor     *string     `json:"next_cursor"`
	PreviousCursor *string     `json:"previous_cursor"`
}

// listBuyers pages through buyers, optionally filtered by search (display
// name or external identifier containing it, in any letter case) or an
// exact external_identifier: GET /buyers.
func (a *API) listBuyers(w http.ResponseWriter, r *http.Request) error {
	if a.buyers == nil {
		return errNoBuyers
	}
	q := r.URL.Query()
	lq, err := parseListQuery(q)
	if err != nil {
		return err
	}
	tenant := server.Principal(r).Tenant
	out := buyerList{Items: []buyerBody{}, Limit: lq.limit}
	if ref := q.Get("external_identifier"); ref != "" {
		b, err := a.buyers.ByReference(r.Context(), tenant, ref)
		if vault.CodeOf(err) != vault.CodeNotFound {
			if err != nil {
				return err
			}
			out.Items = append(out.Items, toBuyer(b))
		}
		server.Encode(w, http.StatusOK, out)
		return nil
	}
	search := strings.ToLower(q.Get("search"))
	after, scanned := lq.after, 0
	for {
		page, err := a.buyers.List(r.Context(), tenant, vault.Page{After: after, Limit: scanBatch})
		if err != nil {
			return err
		}
		for _, b := range page {
			after, scanned = b.ID, scanned+1
			body := toBuyer(b)
			if search != "" && !matches(body, search) {
				continue
			}
			if len(out.Items) == lq.limit {
				cur := encodeCursor(out.Items[len(out.Items)-1].ID)
				out.NextCursor = &cur
				server.Encode(w, http.StatusOK, out)
				return nil
			}
			out.Items = append(out.Items, body)
		}
		if len(page) < scanBatch || scanned >= maxScan {
			if len(page) == scanBatch {
				cur := encodeCursor(after)
				out.NextCursor = &cur
			}
			server.Encode(w, http.StatusOK, out)
			return nil
		}
	}
}

// matches reports whether a buyer's display name or external identifier
// contains search (lower case).
func matches(b buyerBody, search string) bool {
	for _, s := range []*string{b.DisplayName, b.ExternalIdentifier} {
		if s != nil && strings.Contains(strings.ToLower(*s), search) {
			return true
		}
	}
	return false
}

// buyerOf finds the buyer a request names by buyer_id or
// buyer_external_identifier (in the body or query), or "" for none.
func (a *API) buyerOf(r *http.Request, id, ref *string) (string, error) {
	tenant := server.Principal(r).Tenant
	switch {
	case id != nil && ref != nil:
		return "", invalid(inBody, "buyer_id", "give buyer_id or buyer_external_identifier, not both")
	case (id != nil || ref != nil) && a.buyers == nil:
		return "", errNoBuyers
	case id != nil:
		u, err := uuid.Parse(*id)
		if err != nil {
			return "", invalid(inBody, "buyer_id", "buyer_id must be a UUID")
		}
		b, err := a.buyers.Get(r.Context(), tenant, u.String())
		if err != nil {
			return "", err
		}
		return b.ID, nil
	case ref != nil:
		b, err := a.buyers.ByReference(r.Context(), tenant, *ref)
		if err != nil {
			return "", err
		}
		return b.ID, nil
	}
	return "", nil
}
