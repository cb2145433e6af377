package forward

import "strings"

// DefaultProviders are the production API hosts of well-known payment
// providers, which the relay may call without configuration unless the
// operator turns them off (CARDVAULT_FORWARD_DEFAULTS=off): Guardian
// "includes all major payment providers by default". Each is an exact host
// name, https on port 443 only; no wildcards, no sandboxes, and no host that
// echoes what it receives. The SSRF guard applies to them as to every rule.
// Providers whose live hosts carry a per-merchant prefix (Adyen's
// {prefix}-checkout-live.adyenpayments.com, Checkout.com's
// {prefix}.api.checkout.com) cannot be listed exactly: the operator adds
// theirs to CARDVAULT_FORWARD_ALLOW.
var DefaultProviders = []Provider{
	{Host: "api.stripe.com", Name: "Stripe"},
	{Host: "payments.braintree-api.com", Name: "Braintree (GraphQL API)"},
	{Host: "api.braintreegateway.com", Name: "Braintree (gateway API)"},
	{Host: "api.checkout.com", Name: "Checkout.com"},
	{Host: "access.worldpay.com", Name: "Worldpay (Access Worldpay)"},
	{Host: "secure.worldpay.com", Name: "Worldpay (XML direct)"},
	{Host: "api-m.paypal.com", Name: "PayPal"},
	{Host: "connect.squareup.com", Name: "Square"},
	{Host: "api.authorize.net", Name: "Authorize.net"},
	{Host: "api.cybersource.com", Name: "Cybersource"},
	{Host: "api.mollie.com", Name: "Mollie"},
	{Host: "api.shift4.com", Name: "Shift4"},
	{Host: "api.rapyd.net", Name: "Rapyd"},
	{Host: "api.dlocal.com", Name: "dLocal"},
	{Host: "secure.safecharge.com", Name: "Nuvei"},
	{Host: "apis.globalpay.com", Name: "Global Payments"},
	{Host: "api.airwallex.com", Name: "Airwallex"},
	{Host: "ws.bluesnap.com", Name: "BlueSnap"},
	{Host: "api.razorpay.com", Name: "Razorpay"},
}

// DefaultDestinations are the host names of DefaultProviders.
var DefaultDestinations = providerHosts(DefaultProviders)

// Provider is a built-in destination: a payment provider's API host.
type Provider struct {
	Host string
	// Name is the provider, for people (the console's allowlist view).
	Name string
}

// providerHosts returns the hosts of ps.
func providerHosts(ps []Provider) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Host
	}
	return out
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

// Rule is one rule of the relay's allowlist as an operator reads it.
type Rule struct {
	// Rule is the rule in canonical form (scheme://host:port).
	Rule string
	// Provider names the payment provider of a built-in rule; it is empty
	// for the operator's own (CARDVAULT_FORWARD_ALLOW).
	Provider string
}

// Rules lists the rules Destinations(spec, defaults) allows, built-in ones
// first, each in canonical form.
func Rules(spec string, defaults bool) ([]Rule, error) {
	own, err := ParseAllowlist(spec)
	if err != nil {
		return nil, err
	}
	var out []Rule
	if defaults {
		for _, p := range DefaultProviders {
			out = append(out, Rule{Rule: "https://" + p.Host + ":443", Provider: p.Name})
		}
	}
	for _, r := range own.rules {
		out = append(out, Rule{Rule: r.String()})
	}
	return out, nil
}
