package jwtauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// maxPEMLen bounds a public key file: a P-521 key in PEM is under 300 bytes.
const maxPEMLen = 4 << 10

// ParsePublicKeyPEM reads a P-521 public key in PEM ("PUBLIC KEY", PKIX),
// the form `openssl ec -in private.pem -pubout` writes. A private key is
// refused with a message that says how to take its public half: cardvault
// never needs, and never keeps, the merchant's private key.
func ParsePublicKeyPEM(data []byte) (*ecdsa.PublicKey, error) {
	if len(data) > maxPEMLen {
		return nil, errors.New("the public key file is too large for a P-521 key")
	}
	block, rest := pem.Decode(data)
	switch {
	case block == nil:
		return nil, errors.New("no PEM block found: expected -----BEGIN PUBLIC KEY-----")
	case strings.Contains(block.Type, "PRIVATE KEY"):
		return nil, errors.New("this is a private key; give its public half (openssl ec -in key.pem -pubout -out public.pem)")
	case block.Type != "PUBLIC KEY":
		return nil, errors.New("expected a PEM block of type PUBLIC KEY")
	case len(strings.TrimSpace(string(rest))) != 0:
		return nil, errors.New("unexpected data after the PUBLIC KEY block")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, errors.New("the PUBLIC KEY block is not a valid public key")
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P521() {
		return nil, errors.New("the key is not an EC P-521 key (Gr4vy keys are ES512, P-521)")
	}
	return pub, nil
}

// MarshalPublicKeyPEM writes pub as a PEM "PUBLIC KEY" block.
func MarshalPublicKeyPEM(pub *ecdsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// Thumbprint is the RFC 7638 JWK thumbprint (SHA-256, base64url without
// padding) of pub: the "kid" Gr4vy's SDKs put in every token they sign.
func Thumbprint(pub *ecdsa.PublicKey) (string, error) {
	if pub == nil || pub.Curve != elliptic.P521() {
		return "", errors.New("thumbprint: not a P-521 public key")
	}
	sum, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// GenerateKeyPair makes a fresh P-521 key pair. It returns the private key
// as a PEM "PRIVATE KEY" (PKCS #8) block, the form Gr4vy hands merchants
// and its SDKs read, to be shown once and never stored, and the public
// half, which is what the vault keeps.
func GenerateKeyPair() (privatePEM []byte, pub *ecdsa.PublicKey, err error) {
	k, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), &k.PublicKey, nil
}
