package guardian_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/api/guardian"
	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

const (
	pan     = "4111111111111111"
	amexPAN = "378282246310005"
	panBody = `{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2039,"cardholder_name":"Ada Lovelace","security_code":"123"},"metadata":{"order":"o-1"}}`
)

// newEnv starts a vault with the Guardian facade; relay may be nil.
func newEnv(t testing.TB, relay api.Forwarder) *vaulttest.Env {
	t.Helper()
	return vaulttest.New(t, vaulttest.Options{MaxBody: 64 << 10, Facades: func(d vaulttest.Deps) []server.Facade {
		if relay != nil {
			d.Relay = relay
		}
		return []server.Facade{guardian.New(d)}
	}})
}

// guardianError is Guardian's error shape.
type guardianError struct {
	Code       *int    `json:"code"`
	Classifier *string `json:"classifier"`
	Message    *string `json:"message"`
}

// wantError asserts a response is an error of status in Guardian's shape
// whose message contains every one of want.
func wantError(t testing.TB, resp *http.Response, body []byte, status int, want ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	e := vaulttest.Decode[guardianError](t, body)
	if e.Code == nil || *e.Code != status || e.Classifier == nil || *e.Classifier == "" || e.Message == nil {
		t.Fatalf("not Guardian's error shape: %s", body)
	}
	for _, w := range want {
		if !strings.Contains(*e.Message, w) {
			t.Errorf("message %q lacks %q", *e.Message, w)
		}
	}
}

// token is the token object as a client reads it.
type token struct {
	ID   string `json:"id"`
	Card struct {
		CardholderName string `json:"cardholder_name"`
		ExpiryMonth    int    `json:"expiry_month"`
		ExpiryYear     int    `json:"expiry_year"`
		Masked         string `json:"masked_account_number"`
		Scheme         string `json:"scheme"`
	} `json:"card"`
	CreatedAt string            `json:"created_at"`
	ExpiresAt string            `json:"expires_at"`
	Metadata  map[string]string `json:"metadata"`
}

// createToken stores a card through the API and returns its token.
func createToken(t testing.TB, e *vaulttest.Env, key, body string) token {
	t.Helper()
	resp, b := e.Do(t, "POST", "/api/pci/tokens", body, "x-api-key", key)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create token: %d %s", resp.StatusCode, b)
	}
	return vaulttest.Decode[token](t, b)
}

// auditActions lists the actions audited for the default tenant.
func auditActions(t testing.TB, e *vaulttest.Env) []audit.Entry {
	t.Helper()
	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// jweOptions choose how encryptJWE encrypts.
type jweOptions struct {
	alg, enc string
}

// encryptJWE encrypts plaintext to a session's public JWK as the card
// iframe does: a compact JWE with an ephemeral P-256 key.
func encryptJWE(t testing.TB, key map[string]any, plaintext []byte, o jweOptions) string {
	t.Helper()
	if o.alg == "" {
		o.alg, o.enc = "ECDH-ES", "A256GCM"
	}
	b64 := base64.RawURLEncoding
	x, _ := b64.DecodeString(key["x"].(string))
	y, _ := b64.DecodeString(key["y"].(string))
	pub, err := ecdh.P256().NewPublicKey(append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatal(err)
	}
	eph, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	z, err := eph.ECDH(pub)
	if err != nil {
		t.Fatal(err)
	}
	epub := eph.PublicKey().Bytes()
	header, _ := json.Marshal(map[string]any{"alg": o.alg, "enc": o.enc,
		"epk": map[string]string{"kty": "EC", "crv": "P-256", "x": b64.EncodeToString(epub[1:33]), "y": b64.EncodeToString(epub[33:])}})
	h64 := b64.EncodeToString(header)
	keyLen := map[string]int{"A128GCM": 16, "A256GCM": 32}[o.enc]
	var cek, wrapped []byte
	switch o.alg {
	case "ECDH-ES":
		cek = kdf(z, o.enc, keyLen)
	case "ECDH-ES+A256KW":
		cek = make([]byte, keyLen)
		rand.Read(cek)
		wrapped = keyWrap(t, kdf(z, o.alg, 32), cek)
	}
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	iv := make([]byte, 12)
	rand.Read(iv)
	sealed := gcm.Seal(nil, iv, plaintext, []byte(h64))
	ct, tag := sealed[:len(sealed)-16], sealed[len(sealed)-16:]
	return strings.Join([]string{h64, b64.EncodeToString(wrapped), b64.EncodeToString(iv), b64.EncodeToString(ct), b64.EncodeToString(tag)}, ".")
}

// kdf is RFC 7518's Concat KDF with empty apu and apv, written apart from
// the facade's so that the test checks it.
func kdf(z []byte, alg string, keyLen int) []byte {
	var info []byte
	info = binary.BigEndian.AppendUint32(info, uint32(len(alg)))
	info = append(info, alg...)
	info = binary.BigEndian.AppendUint32(info, 0)
	info = binary.BigEndian.AppendUint32(info, 0)
	info = binary.BigEndian.AppendUint32(info, uint32(keyLen*8))
	sum := sha256.Sum256(append(append([]byte{0, 0, 0, 1}, z...), info...))
	return sum[:keyLen]
}

// keyWrap is RFC 3394 AES key wrap.
func keyWrap(t testing.TB, kek, key []byte) []byte {
	block, err := aes.NewCipher(kek)
	if err != nil {
		t.Fatal(err)
	}
	n := len(key) / 8
	a := []byte{0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6}
	r := append([]byte(nil), key...)
	buf := make([]byte, 16)
	for j := 0; j <= 5; j++ {
		for i := 1; i <= n; i++ {
			copy(buf, a)
			copy(buf[8:], r[(i-1)*8:i*8])
			block.Encrypt(buf, buf)
			binary.BigEndian.PutUint64(a, binary.BigEndian.Uint64(buf[:8])^uint64(n*j+i))
			copy(r[(i-1)*8:i*8], buf[8:])
		}
	}
	return append(a, r...)
}
