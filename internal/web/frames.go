package web

import "net/http"

// What other frame packages (the vendors' browser-SDK frames) share with
// the hosted form: its headers and its scheme table.

// SetPageHeaders sets the headers every vault page carries (policy, no
// referrer, no caching, no MIME sniffing) on w, for a page rendered by
// another package with a policy from Policy.
func SetPageHeaders(w http.ResponseWriter, policy string) { setPageHeaders(w, policy) }

// SchemeRanges returns the IIN table the form's script names schemes
// with, most specific range first, as JSON-encodable values
// ({len, lo, hi, scheme}).
func SchemeRanges() any { return schemeRanges }

// SchemeInfos returns, per scheme of SchemeRanges, its label, valid number
// lengths (empty: 12 to 19), display groups and security-code length, as
// JSON-encodable values.
func SchemeInfos() any { return schemeInfos }

// CardScript returns the card input helpers the vault's card pages share
// (assets/card.js: the frozen global cardvaultCard with digitsOf, schemeOf,
// luhn, group, reformat and expiryProblem), to embed as a nonce'd script
// before a page's own.
func CardScript() (string, error) {
	b, err := assets.ReadFile("assets/card.js")
	return string(b), err
}
