// Package pcivault is the domain of PCI Vault's API: passphrase-protected
// user keys, entries sealed to them (and merged into by capture endpoints),
// and capture endpoints that seal without the passphrase. It is built on
// the vault core's typed records and keyed hashes, and on nothing of
// another dialect.
package pcivault
