// Package customers keeps a merchant's customers and the cards saved for
// them (payment methods), on the vault core's cards, security codes and
// typed records. Personal data, provider tokens and everything else a
// customer or payment method holds is sealed with the record; a card is
// saved once per customer, found again by its fingerprint.
package customers
