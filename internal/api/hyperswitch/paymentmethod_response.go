package hyperswitch

import (
	"encoding/json"
	"slices"

	"github.com/cardvault/cardvault/internal/vault/customers"
)

// pmResponse is Hyperswitch's PaymentMethodResponse. The card is masked:
// neither its number nor its security code is ever part of a response, so
// raw_payment_method_data is never sent.
type pmResponse struct {
	ID                   string          `json:"id"`
	MerchantID           string          `json:"merchant_id"`
	CustomerID           string          `json:"customer_id"`
	PaymentMethodType    string          `json:"payment_method_type"`
	PaymentMethodSubtype string          `json:"payment_method_subtype,omitempty"`
	RecurringEnabled     bool            `json:"recurring_enabled"`
	Created              timestamp       `json:"created"`
	PaymentMethodData    *pmData         `json:"payment_method_data,omitempty"`
	ConnectorTokens      []connectorTok  `json:"connector_tokens,omitempty"`
	StorageType          string          `json:"storage_type"`
	CardCVCTokenStorage  *cvcStorage     `json:"card_cvc_token_storage,omitempty"`
	NetworkTransactionID string          `json:"network_transaction_id,omitempty"`
	Billing              *billing        `json:"billing,omitempty"`
	Acknowledgement      string          `json:"acknowledgement_status,omitempty"`
	Metadata             json.RawMessage `json:"metadata,omitempty"`
	LastModified         timestamp       `json:"last_modified"`
	// PSPTokenization reports the last provider tokenization (cardvault's addition).
	PSPTokenization *pspAttempt `json:"psp_tokenization,omitempty"`
	// NetworkToken is the card's live network token, masked.
	NetworkToken *ntResponse `json:"network_token,omitempty"`
	// NetworkTokenization reports the payment method's network token
	// (cardvault's addition): always present.
	NetworkTokenization *ntStatus `json:"network_tokenization"`
}

// pmData is Hyperswitch's PaymentMethodResponseData.
type pmData struct {
	Card cardFromLocker `json:"card"`
}

// cardFromLocker is Hyperswitch's CardDetailFromLocker: the masked card.
type cardFromLocker struct {
	IssuerCountry  string  `json:"issuer_country,omitempty"`
	Last4Digits    string  `json:"last4_digits"`
	ExpiryMonth    string  `json:"expiry_month,omitempty"`
	ExpiryYear     string  `json:"expiry_year,omitempty"`
	CardHolderName *string `json:"card_holder_name,omitempty"`
	Fingerprint    string  `json:"card_fingerprint"`
	NickName       *string `json:"nick_name,omitempty"`
	CardNetwork    string  `json:"card_network,omitempty"`
	CardISIN       string  `json:"card_isin"`
	CardIssuer     string  `json:"card_issuer,omitempty"`
	CardType       string  `json:"card_type,omitempty"`
	SavedToLocker  bool    `json:"saved_to_locker"`
}

// connectorTok is Hyperswitch's ConnectorTokenDetails, with the connector,
// type and status Hyperswitch keeps beside each token.
type connectorTok struct {
	Token       string `json:"token"`
	Reference   string `json:"connector_token_request_reference_id,omitempty"`
	ConnectorID string `json:"connector_id,omitempty"`
	TokenType   string `json:"token_type,omitempty"`
	Status      string `json:"status,omitempty"`
}

// cvcStorage is Hyperswitch's CardCVCTokenStorageDetails.
type cvcStorage struct {
	IsStored  bool       `json:"is_stored"`
	ExpiresAt *timestamp `json:"expires_at,omitempty"`
}

// view is a payment method with its sealed and clear parts decoded.
type view struct {
	pm   customers.PaymentMethod
	pub  pmPublic
	priv pmPersonal
}

// viewOf opens the facade's parts of a payment method.
func viewOf(pm customers.PaymentMethod) (view, error) {
	v := view{pm: pm}
	if err := json.Unmarshal(pm.Public, &v.pub); err != nil {
		return view{}, err
	}
	if err := json.Unmarshal(pm.Personal, &v.priv); err != nil {
		return view{}, err
	}
	return v, nil
}

// card renders the masked card.
func (v view) card() cardFromLocker {
	c := v.pm.Card
	out := cardFromLocker{IssuerCountry: v.pub.IssuingCountry, Last4Digits: c.Last4, Fingerprint: c.Fingerprint,
		NickName: v.priv.NickName, CardNetwork: v.pub.Network, CardISIN: c.BIN, CardIssuer: v.pub.Issuer,
		CardType: v.pub.CardType, SavedToLocker: true}
	if c.Expiry.Month != 0 {
		out.ExpiryMonth, out.ExpiryYear = c.Expiry.Month2(), c.Expiry.Year4()
	}
	if c.Holder != "" {
		out.CardHolderName = &c.Holder
	}
	return out
}

// response renders a payment method as PaymentMethodResponse, with what
// became of its network token.
func (v view) response(status *ntStatus, token *ntResponse) pmResponse {
	pm := v.pm
	out := pmResponse{ID: pm.ID, MerchantID: pm.Tenant, CustomerID: pm.CustomerID, PaymentMethodType: v.pub.Type,
		PaymentMethodSubtype: v.pub.Subtype, RecurringEnabled: true, Created: timestamp(pm.CreatedAt),
		PaymentMethodData: &pmData{Card: v.card()}, StorageType: v.pub.StorageType,
		CardCVCTokenStorage: &cvcStorage{IsStored: pm.SecurityCode.Held}, NetworkTransactionID: v.pub.NetworkTransactionID,
		Billing: v.priv.Billing, Acknowledgement: v.pub.Acknowledgement, Metadata: v.pub.Metadata,
		LastModified: timestamp(pm.UpdatedAt), PSPTokenization: v.pspView()}
	if pm.SecurityCode.Held {
		at := timestamp(pm.SecurityCode.ExpiresAt)
		out.CardCVCTokenStorage.ExpiresAt = &at
	}
	for _, t := range pm.ConnectorTokens {
		out.ConnectorTokens = append(out.ConnectorTokens, connectorTok{Token: t.Token, Reference: t.Reference,
			ConnectorID: t.ConnectorID, TokenType: t.Type, Status: t.Status})
	}
	out.NetworkTokenization, out.NetworkToken = status, token
	return out
}

// pmListItem is Hyperswitch's PaymentMethodResponseItem.
type pmListItem struct {
	ID                     string    `json:"id"`
	CustomerID             string    `json:"customer_id"`
	PaymentMethodType      string    `json:"payment_method_type"`
	PaymentMethodSubtype   string    `json:"payment_method_subtype"`
	RecurringEnabled       bool      `json:"recurring_enabled"`
	PaymentMethodData      *pmData   `json:"payment_method_data,omitempty"`
	Created                timestamp `json:"created"`
	RequiresCVV            bool      `json:"requires_cvv"`
	IsDefault              bool      `json:"is_default"`
	Billing                *billing  `json:"billing,omitempty"`
	PSPTokenizationEnabled bool      `json:"psp_tokenization_enabled"`
	// NetworkTokenization is the card's live network token, masked (the
	// document names it so here, network_token in PaymentMethodResponse).
	NetworkTokenization *ntResponse `json:"network_tokenization,omitempty"`
}

// listItem renders a payment method as a list item. A security code is
// required unless one is held; psp_tokenization_enabled says whether an
// active multi-use provider token exists.
func (v view) listItem(defaultID string) pmListItem {
	pm := v.pm
	return pmListItem{ID: pm.ID, CustomerID: pm.CustomerID, PaymentMethodType: v.pub.Type,
		PaymentMethodSubtype: v.pub.Subtype, RecurringEnabled: true, PaymentMethodData: &pmData{Card: v.card()},
		Created: timestamp(pm.CreatedAt), RequiresCVV: !pm.SecurityCode.Held, IsDefault: pm.ID == defaultID,
		Billing: v.priv.Billing, PSPTokenizationEnabled: slices.ContainsFunc(pm.ConnectorTokens, func(t customers.ConnectorToken) bool {
			return t.Type == tokenMultiUse && t.Status == tokenActive
		})}
}

// Connector token statuses.
const (
	tokenActive = "active"
)
