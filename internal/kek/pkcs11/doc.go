// Package pkcs11 keeps cardvault's master key in a PKCS#11 token (an HSM,
// or SoftHSM2 for testing): an AES-256 key that is sensitive and
// non-extractable, with every wrap and unwrap of a data key done inside the
// token as AES-GCM. It implements seal.KEK.
//
// The provider needs cgo (it loads the vendor's module with dlopen), so its
// code is built only with the build tag "pkcs11"; without the tag this
// package is empty and the cardvault binary stays static.
package pkcs11
