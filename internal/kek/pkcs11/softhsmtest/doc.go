// Package softhsmtest gives tests a fresh SoftHSM2 token (build tag
// pkcs11; without it the package is empty).
package softhsmtest
