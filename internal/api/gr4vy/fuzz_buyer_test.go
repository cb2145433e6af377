package gr4vy

import (
	"testing"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// FuzzBuyerBody: a BuyerCreate body either fails with a safe 400 or is a
// buyer whose checked fields hold what the spec allows, and never an
// external identifier that looks like a card number.
func FuzzBuyerBody(f *testing.F) {
	f.Add(`{"display_name":"Ada","external_identifier":"b-1","billing_details":{"phone_number":"+442071838750","address":{"country":"GB"},"tax_id":{"value":"1","kind":"gb.vat"}}}`)
	f.Add(`{"external_identifier":"4111 1111 1111 1111"}`)
	f.Add(`{"billing_details":{"address":{"state_code":"US-CA","country":"us"}}}`)
	f.Add(`{"display_name":""}`)
	f.Add(`{"billing_details":{"tax_id":{"value":"x"}}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in buyerInput
		if err := server.DecodeBytes([]byte(body), &in, true); err != nil {
			if e := vault.AsError(err); e.Code != vault.CodeInvalid {
				t.Fatalf("bad JSON gave %v", err)
			}
			return
		}
		if err := in.validate(); err != nil {
			assertSafeError(t, err)
			return
		}
		if in.ExternalIdentifier != nil && containsPAN(*in.ExternalIdentifier) {
			t.Fatal("accepted a card number as an external identifier")
		}
		if b := in.BillingDetails; b != nil && b.PhoneNumber != nil && !e164.MatchString(*b.PhoneNumber) {
			t.Fatalf("accepted phone %q", *b.PhoneNumber)
		}
	})
}

// FuzzCheckoutBody: a CheckoutSessionUpdate body fails safely or holds an
// amount, currency and lifetime within the spec's bounds.
func FuzzCheckoutBody(f *testing.F) {
	f.Add(`{"amount":1299,"currency":"EUR","metadata":{"a":"b"},"expires_in":3600}`)
	f.Add(`{"amount":-1}`)
	f.Add(`{"metadata":{"n":"4111111111111111"}}`)
	f.Add(`{"expires_in":86401,"payment_service_id":"x"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in checkoutInput
		if err := server.DecodeBytes([]byte(body), &in, true); err != nil {
			return
		}
		if err := in.validate(); err != nil {
			assertSafeError(t, err)
			return
		}
		if in.Amount != nil && (*in.Amount < 0 || *in.Amount > 99999999) ||
			in.ExpiresIn != nil && (*in.ExpiresIn < 3600 || *in.ExpiresIn > 86400) ||
			in.Currency != nil && !currencyPattern.MatchString(*in.Currency) {
			t.Fatalf("accepted %s", body)
		}
		for k, v := range in.Metadata {
			if containsPAN(k) || containsPAN(v) {
				t.Fatal("accepted a card number in metadata")
			}
		}
	})
}

// FuzzSessionHeader: x-vault-forward-checkout-session is one UUID or a
// safe 400.
func FuzzSessionHeader(f *testing.F) {
	f.Add("0192f8a0-6c1e-7a4b-9d2e-1f3a5b7c9d0e")
	f.Add("4111111111111111")
	f.Add("{0192f8a0-6c1e-7a4b-9d2e-1f3a5b7c9d0e}")
	f.Fuzz(func(t *testing.T, v string) {
		id, err := parseSessionHeader([]string{v})
		if err != nil {
			assertSafeError(t, err)
			return
		}
		if u, err := uuid.Parse(id); id != "" && (err != nil || u.String() != id) {
			t.Fatalf("%q read as %q", v, id)
		}
	})
}
