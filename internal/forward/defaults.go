package forward

import "strings"

// DefaultDestinations are the production API hosts of well-known payment
// providers, which the relay may call without configuration unless the
// operator turns them off (CARDVAULT_FORWARD_DEFAULTS=off): Guardian
// "includes all major payment providers by default". Each is an exact host
// name, https on port 443 only; no wildcards, no sandboxes, and no host that
// echoes what it receives. The SSRF guard applies to them as to every rule.
// Providers whose live hosts carry a per-merchant prefix (Adyen's
// {prefix}-checkout-live.adyenpayments.com, Checkout.com's
// {prefix}.api.checkout.com) cannot be listed exactly: the operator adds
// theirs to CARDVAULT_FORWARD_ALLOW.
var DefaultDestinations = []string{
	"api.stripe.com",             // Stripe
	"payments.braintree-api.com", // Braintree (GraphQL API)
	"api.braintreegateway.com",   // Braintree (gateway API)
	"api.checkout.com",           // Checkout.com
	"access.worldpay.com",        // Worldpay (Access Worldpay)
	"secure.worldpay.com",        // Worldpay (XML direct)
	"api-m.paypal.com",           // PayPal
	"connect.squareup.com",       // Square
	"api.authorize.net",          // Authorize.net
	"api.cybersource.com",        // Cybersource
	"api.mollie.com",             // Mollie
	"api.shift4.com",             // Shift4
	"api.rapyd.net",              // Rapyd
	"api.dlocal.com",             // dLocal
	"secure.safecharge.com",      // Nuvei
	"apis.globalpay.com",         // Global Payments
	"api.airwallex.com",          // Airwallex
	"ws.bluesnap.com",            // BlueSnap
	"api.razorpay.com",           // Razorpay
}

// Destinations parses the operator's allow rules (see ParseAllowlist) and,
// when defaults is true, adds DefaultDestinations as https rules. It is the
// one allowlist of the vault's relay, so the defaults hold for every
// dialect that forwards.
func Destinations(spec string, defaults bool) (*Allowlist, error) {
	if defaults {
		rules := make([]string, 0, len(DefaultDestinations)+1)
		for _, h := range DefaultDestinations {
			rules = append(rules, "https://"+h)
		}
		spec = strings.Join(append(rules, spec), ",")
	}
	return ParseAllowlist(spec)
}
