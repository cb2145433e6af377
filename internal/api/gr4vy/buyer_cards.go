package gr4vy

import (
	"net/http"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// buyerCards returns the cards of the buyer the query names (by id or
// external identifier), oldest first; an unknown buyer has none.
func (a *API) buyerCards(r *http.Request, id, ref *string) ([]vault.CardView, error) {
	if a.buyers == nil {
		return nil, nil
	}
	owner, err := a.buyerOf(r, id, ref)
	if vault.CodeOf(err) == vault.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, asQuery(err)
	}
	tenant := server.Principal(r).Tenant
	ids, err := a.buyers.Cards(r.Context(), tenant, owner)
	if err != nil {
		return nil, err
	}
	out := make([]vault.CardView, 0, len(ids))
	for _, id := range ids {
		c, err := a.vault.GetCard(r.Context(), tenant, id)
		if vault.CodeOf(err) == vault.CodeNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// asQuery moves a body input error to the query.
func asQuery(err error) error {
	if ie, ok := err.(*inputError); ok {
		return &inputError{location: inQuery, err: ie.err}
	}
	return err
}

// buyerPage is page for a list filtered by buyer: the buyer's cards after
// the cursor, up to the limit, with the external identifier filter.
func (a *API) buyerPage(r *http.Request, lq listQuery) ([]vault.CardView, string, error) {
	cards, err := a.buyerCards(r, lq.buyerID, lq.buyerRef)
	if err != nil {
		return nil, "", err
	}
	var out []vault.CardView
	for _, c := range cards {
		if c.ID <= lq.after || lq.reference != "" && c.Reference != lq.reference {
			continue
		}
		if len(out) == lq.limit {
			return out, out[len(out)-1].ID, nil
		}
		out = append(out, c)
	}
	return out, "", nil
}

// paymentMethodSummary is Gr4vy's PaymentMethodSummary.
type paymentMethodSummary struct {
	Type                      string      `json:"type"`
	ID                        string      `json:"id"`
	MerchantAccountID         string      `json:"merchant_account_id"`
	Method                    string      `json:"method"`
	Mode                      string      `json:"mode"`
	Scheme                    string      `json:"scheme"`
	AdditionalSchemes         []string    `json:"additional_schemes"`
	Label                     string      `json:"label"`
	ExpirationDate            *string     `json:"expiration_date"`
	Fingerprint               string      `json:"fingerprint"`
	Details                   cardDetails `json:"details"`
	Country                   *string     `json:"country"`
	Currency                  *string     `json:"currency"`
	ApprovalURL               *string     `json:"approval_url"`
	HasReplacement            bool        `json:"has_replacement"`
	LastReplacedAt            *string     `json:"last_replaced_at"`
	UsageCount                int         `json:"usage_count"`
	LastUsedAt                *string     `json:"last_used_at"`
	CITUsageCount             int         `json:"cit_usage_count"`
	CITLastUsedAt             *string     `json:"cit_last_used_at"`
	SchemeTransactionID       *string     `json:"scheme_transaction_id"`
	SchemeTransactionIDScheme *string     `json:"scheme_transaction_id_scheme"`
	TransactionLinkID         *string     `json:"transaction_link_id"`
}

// summarise drops from a payment method what a summary does not carry.
func summarise(pm paymentMethod) paymentMethodSummary {
	return paymentMethodSummary{Type: pm.Type, ID: pm.ID, MerchantAccountID: pm.MerchantAccountID, Method: pm.Method,
		Mode: pm.Mode, Scheme: pm.Scheme, AdditionalSchemes: pm.AdditionalSchemes, Label: pm.Label,
		ExpirationDate: pm.ExpirationDate, Fingerprint: pm.Fingerprint, Details: pm.Details}
}

// listBuyerPaymentMethods lists a buyer's stored cards:
// GET /buyers/payment-methods?buyer_id= or ?buyer_external_identifier=.
func (a *API) listBuyerPaymentMethods(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var id, ref *string
	if q.Has("buyer_id") {
		v := q.Get("buyer_id")
		id = &v
	}
	if q.Has("buyer_external_identifier") {
		v := q.Get("buyer_external_identifier")
		ref = &v
	}
	if id == nil && ref == nil {
		return invalid(inQuery, "buyer_id", "buyer_id or buyer_external_identifier is required")
	}
	if a.buyers == nil {
		return errNoBuyers
	}
	cards, err := a.buyerCards(r, id, ref)
	if err != nil {
		return err
	}
	out := struct {
		Items []paymentMethodSummary `json:"items"`
	}{Items: make([]paymentMethodSummary, len(cards))}
	for i, c := range cards {
		out.Items[i] = summarise(toPaymentMethod(c))
	}
	server.Encode(w, http.StatusOK, out)
	return nil
}
