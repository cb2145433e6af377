package gr4vy

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/checkouts"
)

// errNoCheckout answers the checkout routes of a vault built without them.
var errNoCheckout = errorf(vault.CodeNotFound, "checkout sessions are not available in this vault")

// checkoutInput is Gr4vy's CheckoutSessionUpdate (the create body too).
// The transaction fields are kept as given and echoed; cardvault makes no
// transactions, so it does not interpret them.
type checkoutInput struct {
	Amount              *int64            `json:"amount"`
	Currency            *string           `json:"currency"`
	Country             *string           `json:"country"`
	Metadata            map[string]string `json:"metadata"`
	Buyer               json.RawMessage   `json:"buyer"`
	CartItems           json.RawMessage   `json:"cart_items"`
	Airline             json.RawMessage   `json:"airline"`
	PaymentServiceID    *string           `json:"payment_service_id"`
	ExpiresIn           *int64            `json:"expires_in"`
	Intent              json.RawMessage   `json:"intent"`
	IsSubsequentPayment *bool             `json:"is_subsequent_payment"`
	MerchantInitiated   *bool             `json:"merchant_initiated"`
	PaymentSource       json.RawMessage   `json:"payment_source"`
	// AllowedOrigins is cardvault's extension: the origins whose pages may
	// use the session's Secure Fields frames (see securefields.go); none
	// listed means any https origin, as with Gr4vy's own frames.
	AllowedOrigins []string `json:"allowed_origins,omitempty"`
}

// checkoutBody is Gr4vy's CheckoutSession.
type checkoutBody struct {
	Type             string            `json:"type"`
	ID               string            `json:"id"`
	ExpiresAt        string            `json:"expires_at"`
	Amount           *int64            `json:"amount"`
	Currency         *string           `json:"currency"`
	Metadata         map[string]string `json:"metadata"`
	Buyer            json.RawMessage   `json:"buyer"`
	CartItems        json.RawMessage   `json:"cart_items"`
	Airline          json.RawMessage   `json:"airline"`
	PaymentServiceID *string           `json:"payment_service_id"`
	PaymentMethod    *checkoutMethod   `json:"payment_method"`
	// AllowedOrigins is cardvault's extension, shown only when set.
	AllowedOrigins []string `json:"allowed_origins,omitempty"`
}

// checkoutMethod is Gr4vy's CheckoutSessionPaymentMethod.
type checkoutMethod struct {
	Type        string          `json:"type"`
	Method      string          `json:"method"`
	ID          *string         `json:"id"`
	Label       *string         `json:"label"`
	Scheme      *string         `json:"scheme"`
	Fingerprint *string         `json:"fingerprint"`
	Details     *checkoutDetail `json:"details"`
}

// checkoutDetail is Gr4vy's CheckoutSessionPaymentMethodDetails.
type checkoutDetail struct {
	BIN *string `json:"bin"`
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// validate checks the fields cardvault reads.
func (in *checkoutInput) validate() error {
	switch {
	case in.Amount != nil && (*in.Amount < 0 || *in.Amount > 99999999):
		return invalid(inBody, "amount", "amount must be from 0 to 99999999")
	case in.Currency != nil && !currencyPattern.MatchString(*in.Currency):
		return invalid(inBody, "currency", "currency must be an ISO 4217 code such as USD")
	case in.Country != nil && !country.MatchString(*in.Country):
		return invalid(inBody, "country", "country must be an ISO 3166 alpha-2 code")
	case in.PaymentServiceID != nil && uuid.Validate(*in.PaymentServiceID) != nil:
		return invalid(inBody, "payment_service_id", "payment_service_id must be a UUID")
	case in.ExpiresIn != nil && (*in.ExpiresIn < 3600 || *in.ExpiresIn > 86400):
		return invalid(inBody, "expires_in", "expires_in must be from 3600 to 86400 seconds")
	}
	if err := in.normaliseOrigins(); err != nil {
		return err
	}
	for k, v := range in.Metadata {
		if containsPAN(k) || containsPAN(v) {
			return invalid(inBody, "metadata", "metadata looks like it holds a card number")
		}
	}
	return nil
}

// decodeCheckout reads an optional CheckoutSessionUpdate body.
func decodeCheckout(r *http.Request) (checkoutInput, error) {
	var in checkoutInput
	raw, err := server.ReadBody(r)
	if err != nil {
		return in, err
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return in, nil
	}
	if err := server.DecodeBytes(raw, &in, true); err != nil {
		return in, err
	}
	return in, in.validate()
}

// toCheckout renders a session; the card, if any, masked.
func (a *API) toCheckout(r *http.Request, s checkouts.Session) checkoutBody {
	out := checkoutBody{Type: "checkout-session", ID: s.ID, ExpiresAt: formatTime(s.ExpiresAt)}
	var in checkoutInput
	_ = json.Unmarshal(s.Details, &in) // written by this facade
	out.Amount, out.Currency, out.Metadata, out.PaymentServiceID = in.Amount, in.Currency, in.Metadata, in.PaymentServiceID
	out.Buyer, out.CartItems, out.Airline = nullable(in.Buyer), nullable(in.CartItems), nullable(in.Airline)
	out.AllowedOrigins = in.AllowedOrigins
	var view *checkouts.CardView
	if s.Card != nil {
		view = s.Card
	} else if s.PaymentMethodID != "" {
		if c, err := a.vault.GetCard(r.Context(), s.Tenant, s.PaymentMethodID); err == nil {
			view = &checkouts.CardView{BIN: c.BIN, Last4: c.Last4, Scheme: c.Scheme, Expiry: c.Expiry}
		}
	}
	if view != nil {
		scheme, label, bin := schemeName(view.Scheme), view.Last4, view.BIN
		out.PaymentMethod = &checkoutMethod{Type: "payment-method", Method: "card", Label: &label, Scheme: &scheme,
			Details: &checkoutDetail{BIN: &bin}}
		if s.PaymentMethodID != "" {
			id := s.PaymentMethodID
			out.PaymentMethod.ID = &id
		}
	}
	return out
}

// nullable turns an absent raw value into JSON null.
func nullable(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

// sessionID returns the path's session id, which must be a UUID.
func sessionID(r *http.Request) (string, error) {
	id, err := uuid.Parse(r.PathValue("session_id"))
	if err != nil {
		return "", invalid(inPath, "session_id", "session_id must be a UUID")
	}
	return id.String(), nil
}

// createCheckout starts a checkout session: POST /checkout/sessions.
func (a *API) createCheckout(w http.ResponseWriter, r *http.Request) error {
	if a.checkouts == nil {
		return errNoCheckout
	}
	in, err := decodeCheckout(r)
	if err != nil {
		return err
	}
	var ttl time.Duration
	if in.ExpiresIn != nil {
		ttl = time.Duration(*in.ExpiresIn) * time.Second
	}
	in.ExpiresIn = nil
	d, err := json.Marshal(in)
	if err != nil {
		return err
	}
	s, err := a.checkouts.Create(r.Context(), server.Principal(r).Tenant, d, ttl)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusCreated, a.toCheckout(r, s))
	return nil
}

// getCheckout returns a session: GET /checkout/sessions/{session_id}.
func (a *API) getCheckout(w http.ResponseWriter, r *http.Request) error {
	if a.checkouts == nil {
		return errNoCheckout
	}
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	s, err := a.checkouts.Get(r.Context(), server.Principal(r).Tenant, id)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, a.toCheckout(r, s))
	return nil
}

// updateCheckout replaces a session's transaction fields: PUT
// /checkout/sessions/{session_id}. Its expiry does not move.
func (a *API) updateCheckout(w http.ResponseWriter, r *http.Request) error {
	if a.checkouts == nil {
		return errNoCheckout
	}
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	in, err := decodeCheckout(r)
	if err != nil {
		return err
	}
	in.ExpiresIn = nil
	if in.AllowedOrigins == nil {
		// An update that leaves allowed_origins out keeps them: a
		// Gr4vy client that knows nothing of them must not widen them.
		old, err := a.checkouts.Get(r.Context(), server.Principal(r).Tenant, id)
		if err != nil {
			return err
		}
		in.AllowedOrigins = sessionOrigins(old)
	}
	d, err := json.Marshal(in)
	if err != nil {
		return err
	}
	s, err := a.checkouts.SetDetails(r.Context(), server.Principal(r).Tenant, id, d)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, a.toCheckout(r, s))
	return nil
}

// deleteCheckout ends a session and what it holds: DELETE /checkout/sessions/{session_id}.
func (a *API) deleteCheckout(w http.ResponseWriter, r *http.Request) error {
	if a.checkouts == nil {
		return errNoCheckout
	}
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	if err := a.checkouts.Delete(r.Context(), server.Principal(r).Tenant, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// fieldsInput is Gr4vy's CheckoutSessionSecureFields.
type fieldsInput struct {
	PaymentMethod *struct {
		Method         *string `json:"method"`
		Number         *string `json:"number"`
		ExpirationDate *string `json:"expiration_date"`
		SecurityCode   *string `json:"security_code"`
		ID             *string `json:"id"`
	} `json:"payment_method"`
	PostalCode *string `json:"postal_code"`
}

// setFields takes the card data a shopper's browser posts (Gr4vy's Secure
// Fields): PUT /checkout/sessions/{session_id}/fields. The session id is
// the credential, as in Gr4vy: no API key or JWT is needed.
func (a *API) setFields(w http.ResponseWriter, r *http.Request) error {
	if a.checkouts == nil {
		return errNoCheckout
	}
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	in, err := server.Decode[fieldsInput](r, true)
	if err != nil {
		return err
	}
	pm := in.PaymentMethod
	if pm == nil || pm.Method == nil {
		return invalid(inBody, "payment_method", "payment_method with a method (card or id) is required")
	}
	if err := text("postal_code", in.PostalCode, 50); err != nil {
		return err
	}
	switch *pm.Method {
	case "card":
		if pm.ID != nil {
			return invalid(inBody, "payment_method.id", "payment_method.id is only for method id")
		}
		c, err := parseCreate(createRequest{Number: pm.Number, ExpirationDate: pm.ExpirationDate, SecurityCode: pm.SecurityCode})
		if err != nil {
			return err
		}
		err = a.checkouts.SetCard(r.Context(), id, c.PAN, c.Expiry, c.SecurityCode)
		if err != nil {
			return err
		}
	case "id":
		if pm.Number != nil || pm.ExpirationDate != nil {
			return invalid(inBody, "payment_method.number", "method id takes only id and security_code")
		}
		if pm.ID == nil || uuid.Validate(*pm.ID) != nil {
			return invalid(inBody, "payment_method.id", "payment_method.id must be a payment method id (a UUID)")
		}
		code := ""
		if pm.SecurityCode != nil {
			code = *pm.SecurityCode
		}
		if err := a.checkouts.SetPaymentMethod(r.Context(), id, *pm.ID, code); err != nil {
			return err
		}
	default:
		return invalid(inBody, "payment_method.method", "payment_method.method must be card or id")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// cardDetailsBody is Gr4vy's CheckoutSessionCardDetails.
type cardDetailsBody struct {
	BIN               string   `json:"bin"`
	Scheme            *string  `json:"scheme"`
	CardType          *string  `json:"card_type"`
	AdditionalSchemes []string `json:"additional_schemes"`
	SchemeIconURL     *string  `json:"scheme_icon_url"`
}

var binPattern = regexp.MustCompile(`^\d{6,8}$`)

// cardDetails answers what a BIN says, for a browser filling a session:
// POST /checkout/sessions/{session_id}/card-details. The session id is the
// credential.
func (a *API) cardDetails(w http.ResponseWriter, r *http.Request) error {
	if a.checkouts == nil {
		return errNoCheckout
	}
	id, err := sessionID(r)
	if err != nil {
		return err
	}
	in, err := server.Decode[struct {
		BIN *string `json:"bin"`
	}](r, true)
	if err != nil {
		return err
	}
	if in.BIN == nil || !binPattern.MatchString(*in.BIN) {
		return invalid(inBody, "bin", "bin must be the first 6 to 8 digits of a card number")
	}
	if err := a.checkouts.Live(r.Context(), id); err != nil {
		return err
	}
	out := cardDetailsBody{BIN: *in.BIN, AdditionalSchemes: []string{}}
	if s := card.SchemeOf(*in.BIN); s != card.Unknown {
		name := schemeName(s)
		out.Scheme = &name
	}
	server.Encode(w, http.StatusOK, out)
	return nil
}
