package guardian

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cardvault/cardvault/internal/vault"
)

// sealCBC encrypts to a session key with ECDH-ES + A128CBC-HS256, the one
// content encryption every JWE library must offer.
func sealCBC(t testing.TB, priv []byte, plaintext []byte) string {
	t.Helper()
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), priv)
	if err != nil {
		t.Fatal(err)
	}
	e, err := jose.NewEncrypter(jose.A128CBC_HS256, jose.Recipient{Algorithm: jose.ECDH_ES, Key: &k.PublicKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt(plaintext)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWECBCAndTampering(t *testing.T) {
	priv := newSessionKey()
	jwe := sealCBC(t, priv, []byte(`{"security_code":"123"}`))
	got, err := decryptJWE(priv, jwe)
	if err != nil || string(got) != `{"security_code":"123"}` {
		t.Fatalf("decrypt: %q %v", got, err)
	}
	parts := strings.Split(jwe, ".")
	flip := func(i int) string {
		p := append([]string(nil), parts...)
		raw, _ := base64.RawURLEncoding.DecodeString(p[i])
		raw[len(raw)-1] ^= 1
		p[i] = base64.RawURLEncoding.EncodeToString(raw)
		return strings.Join(p, ".")
	}
	for _, bad := range []string{flip(2), flip(3), flip(4), jwe + ".", strings.Replace(jwe, parts[0], parts[0]+"x", 1)} {
		if _, err := decryptJWE(priv, bad); !errors.Is(err, errJWE) {
			t.Errorf("tampered JWE decrypted: %v", err)
		}
	}
	if _, err := decryptJWE(newSessionKey(), jwe); !errors.Is(err, errJWE) {
		t.Error("another key decrypted the JWE")
	}
	// The public JWK never carries the private part.
	k, _ := publicJWK(priv)
	if b, _ := json.Marshal(k); strings.Contains(string(b), `"d"`) || k.Crv != "P-256" {
		t.Errorf("jwk %s", b)
	}
}

func FuzzDecryptJWE(f *testing.F) {
	priv := newSessionKey()
	f.Add(sealCBC(f, priv, []byte(`{"account_number":"4111111111111111"}`)))
	f.Add("a.b.c.d.e")
	f.Add("eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTI1NkdDTSJ9....")
	f.Add("eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00iLCJlcGsiOnsia3R5IjoiRUMiLCJjcnYiOiJQLTI1NiIsIngiOiIiLCJ5IjoiIn19.AAAA.AAAA.AAAA.AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		plain, err := decryptJWE(priv, s)
		if err != nil && !errors.Is(err, errJWE) {
			t.Fatalf("error other than errJWE: %v", err)
		}
		if err == nil && len(plain) > len(s) {
			t.Fatal("plaintext longer than the JWE")
		}
	})
}

// digits finds card-number-like runs in an error message.
var digits = regexp.MustCompile(`\d{12,}`)

func FuzzParseMetadata(f *testing.F) {
	f.Add(`{"a":"b"}`)
	f.Add(`{"a":1}`)
	f.Add(`null`)
	f.Add(`["x"]`)
	f.Add(`{"` + strings.Repeat("é", 21) + `":"v"}`)
	f.Add(`{"4111111111111111111111111":"v"}`)
	f.Fuzz(func(t *testing.T, s string) {
		md, err := parseMetadata(json.RawMessage(s))
		if err != nil {
			if vault.CodeOf(err) != vault.CodeInvalid {
				t.Fatalf("not a 400: %v", err)
			}
			return
		}
		if len(md) > maxMetadataPairs {
			t.Fatalf("%d pairs accepted", len(md))
		}
		for k, v := range md {
			if n := len([]rune(k)); n == 0 || n > maxMetadataKeyLen || len([]rune(v)) > maxMetadataValueLen {
				t.Fatalf("accepted %q: %q", k, v)
			}
		}
	})
}

func FuzzCardSource(f *testing.F) {
	f.Add(`{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2039,"security_code":"123"}`)
	f.Add(`{"type":"pan","account_number":"4111111111111112","expiry_month":"12","expiry_year":"39"}`)
	f.Add(`{"account_number":4111111111111111,"expiry_month":1.5}`)
	f.Add(`{"account_number":"378282246310005","expiry_month":1,"expiry_year":2099,"cardholder_name":"\u202e","security_code":"12345"}`)
	f.Fuzz(func(t *testing.T, s string) {
		var src source
		if json.Unmarshal([]byte(s), &src) != nil {
			return
		}
		in, err := src.input("source.")
		if err != nil {
			e := vault.AsError(err)
			if e.Code != vault.CodeInvalid {
				t.Fatalf("not a 400: %v", err)
			}
			if digits.MatchString(e.Public) {
				t.Fatalf("error echoes digits: %q", e.Public)
			}
			return
		}
		if in.PAN.IsZero() || in.Expiry.Month < 1 || in.Expiry.Month > 12 {
			t.Fatalf("accepted %+v", in)
		}
	})
}

func FuzzParseLifetime(f *testing.F) {
	f.Add("60", "")
	f.Add(`"60"`, "60")
	f.Add("1e3", "null")
	f.Add("2592001", "")
	f.Fuzz(func(t *testing.T, a, b string) {
		n, err := parseLifetime(json.RawMessage(a), json.RawMessage(b), maxTokenLifetime)
		if err == nil && (n < 0 || n > maxTokenLifetime) {
			t.Fatalf("accepted %d", n)
		}
	})
}

func FuzzParseBinding(f *testing.F) {
	f.Add(`1299`, "EUR")
	f.Add(`0`, "eur")
	f.Add(`-1`, "")
	f.Add(`1.5`, "USD")
	f.Add(`1e3`, "XX")
	f.Add(`"12"`, "ÉUR")
	f.Add(`99999999999999999999`, "")
	f.Add(`null`, "")
	f.Fuzz(func(t *testing.T, amount, currency string) {
		b, err := parseBinding(json.RawMessage(amount), currency)
		if err != nil {
			if vault.CodeOf(err) != vault.CodeInvalid || digits.MatchString(err.Error()) {
				t.Fatalf("not a clean 400: %v", err)
			}
			return
		}
		if b.Amount != nil && *b.Amount < 0 {
			t.Fatalf("negative amount %d accepted", *b.Amount)
		}
		if b.Currency != "" && (len(b.Currency) != 3 || strings.ToUpper(b.Currency) != b.Currency || strings.Trim(b.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
			t.Fatalf("currency %q accepted", b.Currency)
		}
	})
}

// Wherever plainString answers, encoding/json decodes the same bytes to the
// same string; and it answers for the card numbers and names tokenize gets.
func FuzzPlainString(f *testing.F) {
	for _, s := range []string{`"4111111111111111"`, `"John Doe"`, `"Zoë"`, `""`, `"a\"b"`, `"\u0041"`, "\"a\x01\"",
		"\"\xff\"", `"a"b"`, ` "a"`, `"`, `1`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := plainString(raw)
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal(raw, &want); err != nil || got != want {
			t.Fatalf("plainString(%q) = %q; encoding/json: %q, %v", raw, got, want, err)
		}
	})
}

func TestPlainStringAnswersCommonValues(t *testing.T) {
	for raw, want := range map[string]string{`"4111111111111111"`: "4111111111111111", `"John Doe"`: "John Doe", `"Zoë"`: "Zoë", `""`: ""} {
		if got, ok := plainString([]byte(raw)); !ok || got != want {
			t.Errorf("plainString(%s) = %q, %v", raw, got, ok)
		}
	}
	for _, raw := range []string{`"a\"b"`, `"\u0041"`, "\"\xff\"", "\"a\tb\"", ` "a"`, `"a`, `1`} {
		if _, ok := plainString([]byte(raw)); ok {
			t.Errorf("plainString(%q) answered; encoding/json must", raw)
		}
	}
}
