package hyperswitch

import (
	"encoding/json"
	"strconv"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/connector"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/customers"
)

// pmCreateRequest is the body of POST /v2/payment-methods (PaymentMethodCreate).
type pmCreateRequest struct {
	PaymentMethodType    *string         `json:"payment_method_type"`
	PaymentMethodSubtype *string         `json:"payment_method_subtype"`
	Metadata             json.RawMessage `json:"metadata"`
	CustomerID           *string         `json:"customer_id"`
	PaymentMethodData    *struct {
		Card      *cardDetail     `json:"card"`
		ProxyCard json.RawMessage `json:"proxy_card"`
	} `json:"payment_method_data"`
	Billing             *billing    `json:"billing"`
	PSPTokenization     *pspRequest `json:"psp_tokenization"`
	NetworkTokenization *struct {
		Enable string `json:"enable"`
	} `json:"network_tokenization"`
	StorageType *string `json:"storage_type"`
}

// cardDetail is Hyperswitch's CardDetail, and in an update CardDetailUpdate
// (holder, nick name, cvc) plus the expiry, which cardvault lets change.
type cardDetail struct {
	CardNumber         *string `json:"card_number"`
	CardExpMonth       *string `json:"card_exp_month"`
	CardExpYear        *string `json:"card_exp_year"`
	CardHolderName     *string `json:"card_holder_name"`
	NickName           *string `json:"nick_name"`
	CardIssuingCountry *string `json:"card_issuing_country"`
	CardNetwork        *string `json:"card_network"`
	CardIssuer         *string `json:"card_issuer"`
	CardType           *string `json:"card_type"`
	CardCVC            *string `json:"card_cvc"`
}

// pspRequest is Hyperswitch's PspTokenization.
type pspRequest struct {
	TokenizationType string `json:"tokenization_type"`
	ConnectorID      string `json:"connector_id"`
}

// Values of the payment method's own enums.
const (
	typeCard          = "card"
	storagePersistent = "persistent"
	storageVolatile   = "volatile"
	tokenSingleUse    = "single_use"
	tokenMultiUse     = "multi_use"
	ntEnable          = "Enable"
	ntSkip            = "Skip"
)

// pmPersonal is a payment method's personal data, sealed at rest.
type pmPersonal struct {
	NickName *string  `json:"nick_name,omitempty"`
	Billing  *billing `json:"billing,omitempty"`
	// PSPError is why the last provider tokenization failed, as the client
	// is told: it can quote the provider's own words (digit runs masked),
	// so it is kept sealed, never in the clear beside the card.
	PSPError string `json:"psp_error_message,omitempty"`
}

// pmPublic is a payment method's non-personal data, kept in the clear.
type pmPublic struct {
	Type           string          `json:"type"`
	Subtype        string          `json:"subtype"`
	Network        string          `json:"network,omitempty"`
	Issuer         string          `json:"issuer,omitempty"`
	IssuingCountry string          `json:"issuing_country,omitempty"`
	CardType       string          `json:"card_type,omitempty"`
	StorageType    string          `json:"storage_type"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`
	// NetworkTokenization is Enable when a network token was asked for at
	// creation (the token itself is the card's, kept by the token service).
	NetworkTokenization  string `json:"network_tokenization,omitempty"`
	NetworkTransactionID string `json:"network_transaction_id,omitempty"`
	Acknowledgement      string `json:"acknowledgement_status,omitempty"`
	// NetworkTokenID is the last network token this dialect provisioned
	// for the card; it orders concurrent provisionings (claim).
	NetworkTokenID string `json:"network_token_id,omitempty"`
	// PSP is the last provider tokenization attempt, without any provider
	// text (see pmPersonal.PSPError).
	PSP *pspRecord `json:"psp,omitempty"`
}

// pspRecord is how the last provider tokenization went, as kept in the
// clear: fixed words and the provider's status only.
type pspRecord struct {
	ConnectorID string `json:"connector_id"`
	Type        string `json:"tokenization_type"`
	// Status is succeeded or failed.
	Status string `json:"status"`
	// ErrorKind says in a fixed word why it failed.
	ErrorKind connector.ErrorKind `json:"error_kind,omitempty"`
	// ProviderStatus is the provider's HTTP status, 0 when none came back.
	ProviderStatus int `json:"connector_status_code,omitempty"`
}

// pspAttempt is how the last provider tokenization went, as the client
// reads it.
type pspAttempt struct {
	ConnectorID string `json:"connector_id"`
	Type        string `json:"tokenization_type"`
	// Status is succeeded or failed.
	Status string `json:"status"`
	// Error is why it failed, safe to show.
	Error string `json:"error_message,omitempty"`
	// ProviderStatus is the provider's HTTP status, 0 when none came back.
	ProviderStatus int `json:"connector_status_code,omitempty"`
}

// newPaymentMethod is a validated create request.
type newPaymentMethod struct {
	in  customers.PaymentMethodInput
	psp *pspRequest
	// networkToken is true when network_tokenization.enable is Enable.
	networkToken bool
}

// parse validates a create request and turns it into the vault's input.
// Nothing is stored before every field passed.
func (q *pmCreateRequest) parse(profile string, connectors api.Tokenizer) (newPaymentMethod, error) {
	switch {
	case q.PaymentMethodType == nil:
		return newPaymentMethod{}, missing("payment_method_type")
	case !paymentMethodTypes[*q.PaymentMethodType]:
		return newPaymentMethod{}, badValue("payment_method_type")
	case *q.PaymentMethodType != typeCard:
		return newPaymentMethod{}, unsupported("payment_method_type %s is not supported; only card is", *q.PaymentMethodType)
	case q.PaymentMethodSubtype != nil && !paymentMethodSubtypes[*q.PaymentMethodSubtype]:
		return newPaymentMethod{}, badValue("payment_method_subtype")
	case q.CustomerID == nil || *q.CustomerID == "":
		return newPaymentMethod{}, missing("customer_id")
	case q.PaymentMethodData == nil:
		return newPaymentMethod{}, missing("payment_method_data")
	case q.PaymentMethodData.Card == nil && len(q.PaymentMethodData.ProxyCard) > 0:
		return newPaymentMethod{}, unsupported("payment_method_data.proxy_card is not supported; send payment_method_data.card")
	case q.PaymentMethodData.Card == nil:
		return newPaymentMethod{}, missing("payment_method_data.card")
	}
	pub := pmPublic{Type: typeCard, StorageType: storagePersistent}
	if q.StorageType != nil {
		switch *q.StorageType {
		case storagePersistent:
		case storageVolatile:
			return newPaymentMethod{}, unsupported("storage_type volatile is not supported; payment methods are persistent")
		default:
			return newPaymentMethod{}, badValue("storage_type")
		}
	}
	in := customers.PaymentMethodInput{Profile: profile, CustomerID: *q.CustomerID}
	var priv pmPersonal
	var err error
	if in.Card, err = q.PaymentMethodData.Card.parseNew(&pub, &priv); err != nil {
		return newPaymentMethod{}, err
	}
	pub.Subtype = pub.CardType
	if q.PaymentMethodSubtype != nil {
		pub.Subtype = *q.PaymentMethodSubtype
	} else if pub.Subtype == "" {
		pub.Subtype = "credit"
	}
	if err := q.Billing.check("billing"); err != nil {
		return newPaymentMethod{}, err
	}
	priv.Billing = q.Billing
	if pub.Metadata, err = metadata("metadata", q.Metadata); err != nil {
		return newPaymentMethod{}, err
	}
	networkToken := false
	if nt := q.NetworkTokenization; nt != nil {
		switch nt.Enable {
		case ntEnable:
			pub.NetworkTokenization, networkToken = ntEnable, true
		case ntSkip:
		default:
			return newPaymentMethod{}, badValue("network_tokenization.enable")
		}
	}
	if err := q.PSPTokenization.check(connectors); err != nil {
		return newPaymentMethod{}, err
	}
	if in.Personal, err = json.Marshal(priv); err != nil {
		return newPaymentMethod{}, err
	}
	if in.Public, err = json.Marshal(pub); err != nil {
		return newPaymentMethod{}, err
	}
	return newPaymentMethod{in: in, psp: q.PSPTokenization, networkToken: networkToken}, nil
}

// check validates a psp_tokenization request against the configured connectors.
func (p *pspRequest) check(connectors api.Tokenizer) error {
	switch {
	case p == nil:
		return nil
	case p.TokenizationType == "":
		return missing("psp_tokenization.tokenization_type")
	case p.TokenizationType != tokenSingleUse && p.TokenizationType != tokenMultiUse:
		return badValue("psp_tokenization.tokenization_type")
	case p.ConnectorID == "":
		return missing("psp_tokenization.connector_id")
	case connectors == nil || !connectors.Has(p.ConnectorID):
		return badValue("psp_tokenization.connector_id (no connector with this id is configured)")
	}
	return nil
}

// parseNew validates a new card: number, expiry (2- or 4-digit year),
// holder, security code and the descriptive fields.
func (d *cardDetail) parseNew(pub *pmPublic, priv *pmPersonal) (vault.CardInput, error) {
	switch {
	case d.CardNumber == nil:
		return vault.CardInput{}, missing("payment_method_data.card.card_number")
	case d.CardExpMonth == nil:
		return vault.CardInput{}, missing("payment_method_data.card.card_exp_month")
	case d.CardExpYear == nil:
		return vault.CardInput{}, missing("payment_method_data.card.card_exp_year")
	}
	pan, err := card.ParsePAN(*d.CardNumber)
	if err != nil {
		return vault.CardInput{}, badFormat("payment_method_data.card.card_number", err.Error())
	}
	in := vault.CardInput{PAN: pan}
	if in.Expiry, err = parseExpiry(*d.CardExpMonth, *d.CardExpYear); err != nil {
		return vault.CardInput{}, err
	}
	if err := d.parseCommon(&in, priv); err != nil {
		return vault.CardInput{}, err
	}
	if err := text("payment_method_data.card.card_issuer", d.CardIssuer, 255); err != nil {
		return vault.CardInput{}, err
	}
	if err := country("payment_method_data.card.card_issuing_country", d.CardIssuingCountry); err != nil {
		return vault.CardInput{}, err
	}
	if d.CardNetwork != nil && !networks[*d.CardNetwork] {
		return vault.CardInput{}, badValue("payment_method_data.card.card_network")
	}
	if d.CardType != nil && *d.CardType != "credit" && *d.CardType != "debit" {
		return vault.CardInput{}, badValue("payment_method_data.card.card_type")
	}
	pub.Network = networkOf(pan.Scheme())
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&pub.Network, d.CardNetwork)
	set(&pub.Issuer, d.CardIssuer)
	set(&pub.IssuingCountry, d.CardIssuingCountry)
	set(&pub.CardType, d.CardType)
	return in, nil
}

// parseCommon validates what a new card and an update share: holder name,
// nick name and security code.
func (d *cardDetail) parseCommon(in *vault.CardInput, priv *pmPersonal) error {
	var err error
	if d.CardHolderName != nil {
		if in.Holder, err = card.ParseHolder(*d.CardHolderName); err != nil {
			return badFormat("payment_method_data.card.card_holder_name", err.Error())
		}
	}
	if err := text("payment_method_data.card.nick_name", d.NickName, 255); err != nil {
		return err
	}
	if d.NickName != nil {
		priv.NickName = d.NickName
	}
	if d.CardCVC != nil && *d.CardCVC != "" {
		scheme := in.PAN.Scheme()
		if in.PAN.IsZero() {
			scheme = card.Unknown
		}
		if in.SecurityCode, err = card.ParseSecurityCode(*d.CardCVC, scheme); err != nil {
			return badFormat("payment_method_data.card.card_cvc", err.Error())
		}
	}
	return nil
}

// parseExpiry reads Hyperswitch's separate month (1 or 2 digits) and year
// (2 or 4 digits).
func parseExpiry(month, year string) (card.Expiry, error) {
	m, err := strconv.Atoi(month)
	if err != nil || len(month) > 2 || m < 1 || m > 12 || month[0] == '+' || month[0] == '-' {
		return card.Expiry{}, badFormat("payment_method_data.card.card_exp_month", "expected a month from 1 to 12")
	}
	y, err := strconv.Atoi(year)
	if err != nil || (len(year) != 2 && len(year) != 4) || year[0] == '+' || year[0] == '-' {
		return card.Expiry{}, badFormat("payment_method_data.card.card_exp_year", "expected a 2- or 4-digit year")
	}
	if len(year) == 2 {
		y += 2000
	}
	e, err := card.NewExpiry(m, y)
	if err != nil || e.Year != y {
		return card.Expiry{}, badFormat("payment_method_data.card.card_exp_year", "expected a year from 2000 to 2099")
	}
	return e, nil
}

// networkOf names a scheme as Hyperswitch's CardNetwork does, or "".
func networkOf(s card.Scheme) string {
	switch s {
	case card.Visa:
		return "Visa"
	case card.Mastercard:
		return "Mastercard"
	case card.Amex:
		return "AmericanExpress"
	case card.Discover:
		return "Discover"
	case card.DinersClub:
		return "DinersClub"
	case card.JCB:
		return "JCB"
	case card.UnionPay:
		return "UnionPay"
	case card.Maestro:
		return "Maestro"
	}
	return ""
}
