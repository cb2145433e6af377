package jwtauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"strings"
	"testing"
)

// TestThumbprintKnownAnswer: testdata/p521-public.pem was made by openssl
// and its RFC 7638 thumbprint computed with Python's hashlib over the
// canonical JSON {"crv","kty","x","y"}. sdk_test.go checks the same
// against the kid Gr4vy's SDK computes.
func TestThumbprintKnownAnswer(t *testing.T) {
	data, err := os.ReadFile("testdata/p521-public.pem")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKeyPEM(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := Thumbprint(pub); got != "ot3E_k_YDP50lRxXyv7_qiB0HOaTeQ3dvbj6bkW8WMc" {
		t.Fatalf("thumbprint %s", got)
	}
}

func TestGeneratedPairRoundTrips(t *testing.T) {
	priv, pub, err := GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(priv)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("private key PEM %q", priv[:30])
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !k.(*ecdsa.PrivateKey).PublicKey.Equal(pub) || pub.Curve != elliptic.P521() {
		t.Fatal("private PEM does not hold the returned pair's private half")
	}
	pubPEM, err := MarshalPublicKeyPEM(pub)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePublicKeyPEM(pubPEM)
	if err != nil || !back.Equal(pub) {
		t.Fatalf("round trip: %v", err)
	}
	a, _ := Thumbprint(pub)
	b, _ := Thumbprint(back)
	if a != b || len(a) != 43 {
		t.Fatalf("thumbprints %q %q", a, b)
	}
	_, other, _ := GenerateKeyPair()
	if c, _ := Thumbprint(other); c == a {
		t.Fatal("two keys share a thumbprint")
	}
}

func TestParsePublicKeyPEMRefuses(t *testing.T) {
	priv, _, _ := GenerateKeyPair()
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der256, _ := x509.MarshalPKIXPublicKey(&p256.PublicKey)
	pem256 := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der256})
	_, pub, _ := GenerateKeyPair()
	good, _ := MarshalPublicKeyPEM(pub)
	ecPriv, _ := x509.MarshalECPrivateKey(p256)
	for name, in := range map[string][]byte{
		"PKCS#8 private key": priv,
		"SEC1 private key":   pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecPriv}),
		"P-256 key":          pem256,
		"not PEM":            []byte("hello"),
		"certificate type":   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der256}),
		"garbage DER":        pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}),
		"two blocks":         append(append([]byte(nil), good...), good...),
		"huge":               []byte(strings.Repeat("A", maxPEMLen+1)),
	} {
		if _, err := ParsePublicKeyPEM(in); err == nil {
			t.Errorf("%s accepted", name)
		} else if strings.Contains(err.Error(), "MII") {
			t.Errorf("%s: error repeats key material: %v", name, err)
		}
	}
	if _, err := ParsePublicKeyPEM(priv); err == nil || !strings.Contains(err.Error(), "-pubout") {
		t.Errorf("private key message: %v", err)
	}
	if _, err := Thumbprint(&p256.PublicKey); err == nil {
		t.Error("thumbprint of a P-256 key")
	}
}
