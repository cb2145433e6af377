package gr4vy

import (
	"testing"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// FuzzNetworkTokenBodies: a NetworkTokenCreate or CryptogramCreate body
// either fails with a safe 400 or holds the required booleans and, for a
// provisioning, a security code of the card's scheme.
func FuzzNetworkTokenBodies(f *testing.F) {
	f.Add(`{"merchant_initiated":false,"is_subsequent_payment":false,"security_code":"123"}`, false)
	f.Add(`{"merchant_initiated":true,"is_subsequent_payment":true,"security_code":"1234"}`, true)
	f.Add(`{"merchant_initiated":false,"is_subsequent_payment":false,"security_code":"4111111111111111"}`, false)
	f.Add(`{"merchant_initiated":"no"}`, false)
	f.Add(`{"merchant_initiated":true}`, false)
	f.Add(`{"merchant_initiated":true,"amount":1}`, false)
	f.Fuzz(func(t *testing.T, body string, amex bool) {
		scheme := card.Visa
		if amex {
			scheme = card.Amex
		}
		var q networkTokenCreate
		var c cryptogramCreate
		errs := []error{server.DecodeBytes([]byte(body), &q, true), server.DecodeBytes([]byte(body), &c, true)}
		if errs[0] == nil {
			errs[0] = q.check(scheme)
		}
		if errs[1] == nil {
			errs[1] = c.check()
		}
		for _, err := range errs {
			if err != nil {
				if e := vault.AsError(err); e.Code != vault.CodeInvalid || server.RedactDigits(e.Public) != e.Public {
					t.Fatalf("bad body gave %v", err)
				}
			}
		}
		if errs[0] == nil {
			if q.MerchantInitiated == nil || q.IsSubsequentPayment == nil {
				t.Fatalf("accepted %s without the required booleans", body)
			}
			if q.SecurityCode != nil {
				if _, err := card.ParseSecurityCode(*q.SecurityCode, scheme); err != nil {
					t.Fatalf("accepted security code of the wrong shape for %s", scheme)
				}
			}
		}
		if errs[1] == nil && c.MerchantInitiated == nil {
			t.Fatalf("accepted a cryptogram request without merchant_initiated")
		}
	})
}
