package jwe

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRFC7518AppendixC opens a JWE built from RFC 7518 Appendix C: Bob's
// static key, Alice's ephemeral key, apu "Alice", apv "Bob", ECDH-ES with
// A128GCM. The content key is the RFC's published derived key, so the
// JWE opens only if the key agreement and Concat KDF match the RFC.
func TestRFC7518AppendixC(t *testing.T) {
	bobD := b64(t, "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw")
	header := `{"alg":"ECDH-ES","enc":"A128GCM","apu":"QWxpY2U","apv":"Qm9i","epk":` +
		`{"kty":"EC","crv":"P-256","x":"gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",` +
		`"y":"SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps"}}`
	cek := b64(t, "VqqN6vgjbSBcIijNcacQGg") // RFC 7518 C: the derived key
	h64 := base64.RawURLEncoding.EncodeToString([]byte(header))
	iv := []byte("twelve bytes")
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	sealed := gcm.Seal(nil, iv, []byte(vectorPlaintext), []byte(h64))
	ct, tag := sealed[:len(sealed)-16], sealed[len(sealed)-16:]
	enc := base64.RawURLEncoding.EncodeToString
	compact := strings.Join([]string{h64, "", enc(iv), enc(ct), enc(tag)}, ".")

	got, err := Decrypt(bobD, compact)
	if err != nil || string(got) != vectorPlaintext {
		t.Fatalf("RFC 7518 C: %q %v", got, err)
	}
	// Alice's ephemeral key is the RFC's: its public half is the epk.
	alice, err := ecdh.P256().NewPrivateKey(b64(t, "0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo"))
	if err != nil {
		t.Fatal(err)
	}
	if pub := alice.PublicKey().Bytes(); enc(pub[1:33]) != "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0" {
		t.Fatal("Alice's key does not match its epk")
	}
	// Any other apu derives another key, and the JWE does not open.
	other := strings.Replace(header, "QWxpY2U", "QWxpY2F", 1)
	if _, err := Decrypt(bobD, strings.Replace(compact, h64, base64.RawURLEncoding.EncodeToString([]byte(other)), 1)); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("changed apu: %v", err)
	}
}

// rfc7520Frodo is the plaintext of RFC 7520's JWE examples.
const rfc7520Frodo = "You can trust us to stick with you through thick and thin\u2013to the bitter end. And you can trust us to keep any secret of yours\u2013closer than you keep it yourself. But you cannot trust us to let you face trouble alone, and go off without a word. We are your friends, Frodo."

// rfc7520Section5_5 is RFC 7520 section 5.5: ECDH-ES with A128CBC-HS256
// to the key "meriadoc.brandybuck@buckland.example".
const rfc7520Section5_5 = "eyJhbGciOiJFQ0RILUVTIiwia2lkIjoibWVyaWFkb2MuYnJhbmR5YnVja0BidWNrbGFuZC5leGFtcGxlIiwiZXBrIjp7Imt0eSI6IkVDIiwiY3J2IjoiUC0yNTYiLCJ4IjoibVBVS1RfYkFXR0hJaGcwVHBqanFWc1AxclhXUXVfdndWT0hIdE5rZFlvQSIsInkiOiI4QlFBc0ltR2VBUzQ2ZnlXdzVNaFlmR1RUMElqQnBGdzJTUzM0RHY0SXJzIn0sImVuYyI6IkExMjhDQkMtSFMyNTYifQ" +
	"..yc9N8v5sYyv3iGQT926IUg" +
	".BoDlwPnTypYq-ivjmQvAYJLb5Q6l-F3LIgQomlz87yW4OPKbWE1zSTEFjDfhU9IPIOSA9Bml4m7iDFwA-1ZXvHteLDtw4R1XRGMEsDIqAYtskTTmzmzNa-_q4F_evAPUmwlO-ZG45Mnq4uhM1fm_D9rBtWolqZSF3xGNNkpOMQKF1Cl8i8wjzRli7-IXgyirlKQsbhhqRzkv8IcY6aHl24j03C-AR2le1r7URUhArM79BY8soZU0lzwI-sD5PZ3l4NDCCei9XkoIAfsXJWmySPoeRb2Ni5UZL4mYpvKDiwmyzGd65KqVw7MsFfI_K767G9C9Azp73gKZD0DyUn1mn0WW5LmyX_yJ-3AROq8p1WZBfG-ZyJ6195_JGG2m9Csg" +
	".WCCkNa-x4BeB9hIDIfFuhg"

func TestRFC7520Section5_5(t *testing.T) {
	got, err := Decrypt(b64(t, meriadocD), rfc7520Section5_5)
	if err != nil || string(got) != rfc7520Frodo {
		t.Fatalf("RFC 7520 5.5: %q %v", got, err)
	}
}

// TestEveryAcceptedAlgAndEnc opens a vector made by another library for
// each accepted alg and enc.
func TestEveryAcceptedAlgAndEnc(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range nodeVectors {
		got, err := Decrypt(b64(t, meriadocD), v.compact)
		if err != nil || string(got) != vectorPlaintext {
			t.Errorf("%s %s: %q %v", v.alg, v.enc, got, err)
		}
		var h struct{ Alg, Enc string }
		_ = json.Unmarshal(b64(t, strings.Split(v.compact, ".")[0]), &h)
		if h.Alg != v.alg || h.Enc != v.enc {
			t.Errorf("vector labelled %s %s is %s %s", v.alg, v.enc, h.Alg, h.Enc)
		}
		seen[v.alg+" "+v.enc] = true
	}
	for _, alg := range keyAlgorithms {
		for _, enc := range contentEncryptions {
			if !seen[string(alg)+" "+string(enc)] {
				t.Errorf("no vector for %s %s", alg, enc)
			}
		}
	}
}

func TestPublicJWK(t *testing.T) {
	priv := NewKey()
	k, err := PublicJWK(priv)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(k); strings.Contains(string(b), `"d"`) || k.Kty != "EC" || k.Crv != "P-256" || k.Alg != "ECDH-ES" || len(k.Kid) != 16 {
		t.Errorf("jwk %s", b)
	}
	// The published RFC 7520 key's public half comes out as published.
	m, _ := PublicJWK(b64(t, meriadocD))
	if m.X != "Ze2loSV3wrroKUN_4zhwGhCqo3Xhu1td4QjeQ5wIVR0" || m.Y != "HlLtdXARY_f55A3fnzQbPcm6hgr34Mp8p-nuzQCE0Zw" {
		t.Errorf("meriadoc public key %+v", m)
	}
	if _, err := PublicJWK([]byte("short")); err == nil {
		t.Error("a 5-byte key made a JWK")
	}
}
