package hyperswitch

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/customers"
)

// createCustomer stores a customer: POST /v2/customers.
func (a *API) createCustomer(w http.ResponseWriter, r *http.Request, c caller) error {
	q, err := decode[customerRequest](r)
	if err != nil {
		return err
	}
	if err := q.check(true); err != nil {
		return err
	}
	var p personal
	var pub public
	q.apply(&p, &pub)
	in := customers.CustomerInput{Profile: c.Profile}
	if q.MerchantReferenceID != nil {
		in.Reference = *q.MerchantReferenceID
	}
	if in.Personal, err = json.Marshal(p); err != nil {
		return err
	}
	if in.Public, err = json.Marshal(pub); err != nil {
		return err
	}
	cus, err := a.customers.CreateCustomer(r.Context(), c.Tenant, in)
	if err != nil {
		return err
	}
	return encodeCustomer(w, cus)
}

// encodeCustomer writes a customer with 200, as the document says.
func encodeCustomer(w http.ResponseWriter, cus customers.Customer) error {
	out, err := toCustomerResponse(cus)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, out)
	return nil
}

// getCustomer returns a customer: GET /v2/customers/{id}.
func (a *API) getCustomer(w http.ResponseWriter, r *http.Request, c caller) error {
	cus, err := a.customers.GetCustomer(r.Context(), c.Tenant, c.Profile, r.PathValue("id"))
	if err != nil {
		return err
	}
	return encodeCustomer(w, cus)
}

// updateCustomer changes the fields a request carries and keeps the rest:
// PUT (the document) or PATCH /v2/customers/{id}.
func (a *API) updateCustomer(w http.ResponseWriter, r *http.Request, c caller) error {
	q, err := decode[customerRequest](r)
	if err != nil {
		return err
	}
	if err := q.check(false); err != nil {
		return err
	}
	cus, err := a.customers.UpdateCustomer(r.Context(), c.Tenant, c.Profile, r.PathValue("id"), func(cus *customers.Customer) error {
		var p personal
		var pub public
		if err := json.Unmarshal(cus.Personal, &p); err != nil {
			return err
		}
		if err := json.Unmarshal(cus.Public, &pub); err != nil {
			return err
		}
		q.apply(&p, &pub)
		var err error
		if cus.Personal, err = json.Marshal(p); err != nil {
			return err
		}
		if cus.Public, err = json.Marshal(pub); err != nil {
			return err
		}
		if q.DefaultPaymentMethodID != nil {
			cus.DefaultPaymentMethod = *q.DefaultPaymentMethodID
		}
		return nil
	})
	if err != nil {
		return err
	}
	return encodeCustomer(w, cus)
}

// deleteCustomer removes a customer with its payment methods and their
// cards: DELETE /v2/customers/{id}.
func (a *API) deleteCustomer(w http.ResponseWriter, r *http.Request, c caller) error {
	id := r.PathValue("id")
	if err := a.deleteCustomerNetworkTokens(r.Context(), c, id); err != nil {
		return err
	}
	del, err := a.customers.DeleteCustomer(r.Context(), c.Tenant, c.Profile, id)
	if err != nil {
		return err
	}
	ref := del.Reference
	if ref == "" {
		ref = id
	}
	server.Encode(w, http.StatusOK, customerDeleteResponse{ID: id, MerchantReferenceID: ref,
		CustomerDeleted: true, AddressDeleted: true, PaymentMethodsDeleted: true})
	return nil
}

// List limits of GET /v2/customers/list.
const (
	defaultListLimit = 20
	maxListLimit     = 100
	// maxListOffset bounds offset, which is served by walking the keyset
	// pages (the store never uses OFFSET).
	maxListOffset = 10000
)

// listCustomers pages through the profile's customers in creation order:
// GET /v2/customers/list?limit=&offset= (Hyperswitch) or ?starting_after=ID
// (keyset, cheaper).
func (a *API) listCustomers(w http.ResponseWriter, r *http.Request, c caller) error {
	query := r.URL.Query()
	limit, err := intParam(query.Get("limit"), "limit", defaultListLimit, 1, maxListLimit)
	if err != nil {
		return err
	}
	offset, err := intParam(query.Get("offset"), "offset", 0, 0, maxListOffset)
	if err != nil {
		return err
	}
	after := query.Get("starting_after")
	for offset > 0 {
		skip, err := a.customers.ListCustomers(r.Context(), c.Tenant, c.Profile, vault.Page{After: after, Limit: min(offset, maxListLimit)})
		if err != nil {
			return err
		}
		if len(skip) == 0 {
			server.Encode(w, http.StatusOK, []customerResponse{})
			return nil
		}
		offset -= len(skip)
		after = skip[len(skip)-1].ID
	}
	list, err := a.customers.ListCustomers(r.Context(), c.Tenant, c.Profile, vault.Page{After: after, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]customerResponse, 0, len(list))
	for _, cus := range list {
		resp, err := toCustomerResponse(cus)
		if err != nil {
			return err
		}
		out = append(out, resp)
	}
	server.Encode(w, http.StatusOK, out)
	return nil
}

// intParam parses an optional whole-number query parameter within [lo, hi].
func intParam(s, name string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badFormat(name, "expected a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}
