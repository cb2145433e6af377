// Package vault is cardvault's domain service: tenants, API keys, cards,
// security-code holds and the generic records that the dialect facades build
// on. It owns every domain rule, seals sensitive fields through package seal
// before they reach a Store, and reports failures as typed *Error values.
package vault
