package hyperswitch

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/cardvault/cardvault/internal/connector"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// oneConnector is a Tokenizer that knows the connector "loop" only.
type oneConnector struct{}

func (oneConnector) Has(id string) bool { return id == "loop" }
func (oneConnector) Tokenize(context.Context, string, forward.Card) (connector.Result, error) {
	return connector.Result{}, errors.New("not in a fuzz test")
}

// message is the client-facing text of a parse error.
func message(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.message
	}
	return vault.AsError(err).Public
}

// noCardNumber fails if msg holds anything that could be a card number.
func noCardNumber(t *testing.T, msg string) {
	t.Helper()
	if server.RedactDigits(msg) != msg {
		t.Fatalf("an error repeats digits: %q", msg)
	}
}

func FuzzPaymentMethodRequest(f *testing.F) {
	f.Add(`{"payment_method_type":"card","customer_id":"c","payment_method_data":{"card":{"card_number":"4111111145551142","card_exp_month":"10","card_exp_year":"35","card_cvc":"242"}}}`)
	f.Add(`{"payment_method_type":"card","customer_id":"c","payment_method_data":{"card":{"card_number":"4111 1111 4555 1142","card_exp_month":"1","card_exp_year":"2035","card_holder_name":"A","card_network":"Visa","card_issuing_country":"AF"}},"psp_tokenization":{"tokenization_type":"single_use","connector_id":"loop"},"network_tokenization":{"enable":"Enable"},"billing":{"email":"a@b.co"},"metadata":{"k":"v"}}`)
	f.Add(`{"payment_method_type":"wallet"}`)
	f.Add(`{"payment_method_type":"card","customer_id":"c","payment_method_data":{"card":{"card_number":"411111114555114","card_exp_month":"13","card_exp_year":"203"}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var q pmCreateRequest
		if err := server.DecodeBytes([]byte(body), &q, true); err != nil {
			noCardNumber(t, vault.AsError(err).Public)
			return
		}
		n, err := q.parse("pro_default", oneConnector{})
		if err != nil {
			noCardNumber(t, message(err))
			return
		}
		c := n.in.Card
		if c.PAN.IsZero() || c.Expiry.Month < 1 || c.Expiry.Month > 12 || c.Expiry.Year < 2000 || c.Expiry.Year > 2099 {
			t.Fatalf("accepted a bad card: %+v", c)
		}
		var pub pmPublic
		var priv pmPersonal
		if json.Unmarshal(n.in.Public, &pub) != nil || json.Unmarshal(n.in.Personal, &priv) != nil {
			t.Fatal("stored parts are not JSON")
		}
		if pub.Type != typeCard || !paymentMethodSubtypes[pub.Subtype] || (pub.Network != "" && !networks[pub.Network]) ||
			(pub.IssuingCountry != "" && !countries[pub.IssuingCountry]) {
			t.Fatalf("stored values outside the document's enums: %+v", pub)
		}
	})
}

func FuzzCustomerRequest(f *testing.F) {
	f.Add(`{"merchant_reference_id":"customer_1742551597","name":"John Doe","email":"guest@example.com","default_billing_address":{"country":"US"},"metadata":{"a":"b"}}`)
	f.Add(`{"name":"a","email":"a@b.co","document_details":{"document_type":"cpf","document_number":"12345678911"}}`)
	f.Add(`{"name":"4111111145551142","email":"x"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var q customerRequest
		if err := server.DecodeBytes([]byte(body), &q, true); err != nil {
			return
		}
		for _, create := range []bool{true, false} {
			q := q
			if err := q.check(create); err != nil {
				noCardNumber(t, message(err))
				continue
			}
			if create && (q.Name == nil || q.Email == nil) {
				t.Fatal("create accepted no name or e-mail")
			}
			var p personal
			var pub public
			q.apply(&p, &pub)
			if _, err := json.Marshal(p); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzParseExpiry(f *testing.F) {
	for _, s := range [][2]string{{"10", "25"}, {"1", "2035"}, {"13", "35"}, {"00", "35"}, {"+1", "35"}, {"1", "203"}, {"1", "-035"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, month, year string) {
		e, err := parseExpiry(month, year)
		if err != nil {
			return
		}
		m, _ := strconv.Atoi(month)
		y, _ := strconv.Atoi(year)
		if len(year) == 2 {
			y += 2000
		}
		if e.Month != m || e.Year != y || len(month) > 2 || (len(year) != 2 && len(year) != 4) {
			t.Fatalf("(%q, %q) parsed as %+v", month, year, e)
		}
	})
}
