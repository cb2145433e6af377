package hyperswitch

import (
	"encoding/json"
	"net/http"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/customers"
)

// createPaymentMethod saves a card for a customer and, when asked, gets a
// provider token for it: POST /v2/payment-methods. The same card saved
// again for the customer answers the existing payment method, also 200.
func (a *API) createPaymentMethod(w http.ResponseWriter, r *http.Request, c caller) error {
	q, err := decode[pmCreateRequest](r)
	if err != nil {
		return err
	}
	n, err := q.parse(c.Profile, a.connectors)
	if err != nil {
		return err
	}
	if n.networkToken && a.networkTokens != nil {
		if err := a.precheck(n.in.Card); err != nil {
			return err
		}
	}
	pm, existed, err := a.customers.CreatePaymentMethod(r.Context(), c.Tenant, n.in)
	if err != nil {
		return err
	}
	if n.networkToken && a.networkTokens != nil {
		if err := a.provision(r.Context(), c, pm, existed); err != nil {
			return err
		}
	}
	if n.psp != nil {
		if pm, err = a.tokenize(r, c, pm, *n.psp); err != nil {
			return err
		}
	}
	return a.encodePaymentMethod(w, r, c, pm)
}

// encodePaymentMethod writes a payment method, with its network token,
// with 200.
func (a *API) encodePaymentMethod(w http.ResponseWriter, r *http.Request, c caller, pm customers.PaymentMethod) error {
	v, err := viewOf(pm)
	if err != nil {
		return err
	}
	status, token, err := a.networkToken(r.Context(), c.Tenant, v)
	if err != nil {
		return err
	}
	if status.Sandbox {
		w.Header().Set(SandboxHeader, "true")
	}
	server.Encode(w, http.StatusOK, v.response(status, token))
	return nil
}

// getPaymentMethod returns a payment method, masked: GET /v2/payment-methods/{id}.
func (a *API) getPaymentMethod(w http.ResponseWriter, r *http.Request, c caller) error {
	pm, err := a.customers.GetPaymentMethod(r.Context(), c.Tenant, c.Profile, r.PathValue("id"))
	if err != nil {
		return err
	}
	return a.encodePaymentMethod(w, r, c, pm)
}

// pmUpdateRequest is the body of an update (PaymentMethodUpdate); the card
// part may also carry a new expiry, and carries a card number only to be
// refused.
type pmUpdateRequest struct {
	PaymentMethodData *struct {
		Card *cardDetail `json:"card"`
	} `json:"payment_method_data"`
	ConnectorTokenDetails *struct {
		Token       string  `json:"token"`
		Reference   *string `json:"connector_token_request_reference_id"`
		ConnectorID *string `json:"connector_id"`
		TokenType   *string `json:"token_type"`
	} `json:"connector_token_details"`
	NetworkTransactionID  *string `json:"network_transaction_id"`
	AcknowledgementStatus *string `json:"acknowledgement_status"`
}

// updatePaymentMethod changes holder name, nick name, expiry, security
// code, connector token, network transaction id or acknowledgement status:
// PATCH (the seed) or PUT (the document)
// /v2/payment-methods/{id}/update-saved-payment-method. The card number
// cannot change.
func (a *API) updatePaymentMethod(w http.ResponseWriter, r *http.Request, c caller) error {
	q, err := decode[pmUpdateRequest](r)
	if err != nil {
		return err
	}
	u, err := q.parse()
	if err != nil {
		return err
	}
	pm, err := a.customers.UpdatePaymentMethod(r.Context(), c.Tenant, c.Profile, r.PathValue("id"), u)
	if err != nil {
		return err
	}
	return a.encodePaymentMethod(w, r, c, pm)
}

// parse validates an update and turns it into the vault's change.
func (q *pmUpdateRequest) parse() (customers.PaymentMethodUpdate, error) {
	var u customers.PaymentMethodUpdate
	var priv pmPersonal
	var in vault.CardInput
	if q.PaymentMethodData != nil && q.PaymentMethodData.Card != nil {
		d := q.PaymentMethodData.Card
		switch {
		case d.CardNumber != nil:
			return u, unsupported("payment_method_data.card.card_number cannot be updated: a saved card's number never changes; save a new payment method instead")
		case d.CardIssuingCountry != nil || d.CardNetwork != nil || d.CardIssuer != nil || d.CardType != nil:
			return u, unsupported("only card_holder_name, nick_name, card_cvc and the expiry of a saved card can be updated")
		case (d.CardExpMonth == nil) != (d.CardExpYear == nil):
			return u, missing("payment_method_data.card.card_exp_month and card_exp_year (both or neither)")
		}
		if d.CardExpMonth != nil {
			e, err := parseExpiry(*d.CardExpMonth, *d.CardExpYear)
			if err != nil {
				return u, err
			}
			u.Expiry = &e
		}
		if err := d.parseCommon(&in, &priv); err != nil {
			return u, err
		}
		if d.CardHolderName != nil {
			u.Holder = &in.Holder
		}
		u.SecurityCode = in.SecurityCode
	}
	tok, err := q.connectorToken()
	if err != nil {
		return u, err
	}
	if err := text("network_transaction_id", q.NetworkTransactionID, 255); err != nil {
		return u, err
	}
	if s := q.AcknowledgementStatus; s != nil && *s != "authenticated" && *s != "failed" {
		return u, badValue("acknowledgement_status")
	}
	u.Change = func(pm *customers.PaymentMethod) error {
		v, err := viewOf(*pm)
		if err != nil {
			return err
		}
		if priv.NickName != nil {
			v.priv.NickName = priv.NickName
		}
		if q.NetworkTransactionID != nil {
			v.pub.NetworkTransactionID = *q.NetworkTransactionID
		}
		if q.AcknowledgementStatus != nil {
			v.pub.Acknowledgement = *q.AcknowledgementStatus
		}
		if tok != nil {
			pm.ConnectorTokens = withToken(pm.ConnectorTokens, *tok)
		}
		return v.store(pm)
	}
	return u, nil
}

// connectorToken validates connector_token_details, or returns nil.
func (q *pmUpdateRequest) connectorToken() (*customers.ConnectorToken, error) {
	d := q.ConnectorTokenDetails
	if d == nil {
		return nil, nil
	}
	if d.Token == "" {
		return nil, missing("connector_token_details.token")
	}
	t := customers.ConnectorToken{Token: d.Token, Type: tokenMultiUse, Status: tokenActive}
	for _, f := range []struct {
		name string
		v    *string
		dst  *string
	}{{"connector_token_details.token", &d.Token, nil}, {"connector_token_details.connector_token_request_reference_id", d.Reference, &t.Reference},
		{"connector_token_details.connector_id", d.ConnectorID, &t.ConnectorID}} {
		if err := text(f.name, f.v, customers.MaxConnectorTokenLen); err != nil {
			return nil, err
		}
		if f.v != nil && f.dst != nil {
			*f.dst = *f.v
		}
	}
	if d.TokenType != nil {
		if *d.TokenType != tokenSingleUse && *d.TokenType != tokenMultiUse {
			return nil, badValue("connector_token_details.token_type")
		}
		t.Type = *d.TokenType
	}
	return &t, nil
}

// store writes v's parts back into pm.
func (v view) store(pm *customers.PaymentMethod) error {
	var err error
	if pm.Public, err = json.Marshal(v.pub); err != nil {
		return err
	}
	pm.Personal, err = json.Marshal(v.priv)
	return err
}

// deletePaymentMethod removes a payment method with its card and the
// card's network tokens: DELETE /v2/payment-methods/{id}.
func (a *API) deletePaymentMethod(w http.ResponseWriter, r *http.Request, c caller) error {
	id := r.PathValue("id")
	if a.networkTokens != nil {
		pm, err := a.customers.GetPaymentMethod(r.Context(), c.Tenant, c.Profile, id)
		if err != nil {
			return err
		}
		if err := a.deleteNetworkTokens(r.Context(), c.Tenant, pm); err != nil {
			return err
		}
	}
	if err := a.customers.DeletePaymentMethod(r.Context(), c.Tenant, c.Profile, id); err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, map[string]string{"id": id})
	return nil
}

// maxSavedPaymentMethods bounds one customer's list.
const maxSavedPaymentMethods = 1000

// listPaymentMethods lists a customer's payment methods, masked:
// GET /v2/customers/{id}/saved-payment-methods.
func (a *API) listPaymentMethods(w http.ResponseWriter, r *http.Request, c caller) error {
	id := r.PathValue("id")
	cus, err := a.customers.GetCustomer(r.Context(), c.Tenant, c.Profile, id)
	if err != nil {
		return err
	}
	items := []pmListItem{}
	p := vault.Page{Limit: 100}
	for len(items) < maxSavedPaymentMethods {
		pms, err := a.customers.ListPaymentMethods(r.Context(), c.Tenant, c.Profile, id, p)
		if err != nil {
			return err
		}
		for _, pm := range pms {
			v, err := viewOf(pm)
			if err != nil {
				return err
			}
			item := v.listItem(cus.DefaultPaymentMethod)
			if _, item.NetworkTokenization, err = a.networkToken(r.Context(), c.Tenant, v); err != nil {
				return err
			}
			items = append(items, item)
		}
		if len(pms) < p.Limit {
			break
		}
		p.After = pms[len(pms)-1].ID
	}
	server.Encode(w, http.StatusOK, map[string][]pmListItem{"customer_payment_methods": items})
	return nil
}
