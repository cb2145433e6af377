package guardian

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"strings"
)

// The browser SDK's card iframe encrypts the card to a public key the
// session hands out (the state's "jwk") and sends the result as a compact
// JWE (enc_payload). Each session has its own P-256 key pair; the private
// key is sealed in the session record and dropped when the session ends.
// Accepted: alg ECDH-ES, ECDH-ES+A128KW, ECDH-ES+A256KW; enc A128GCM,
// A256GCM, A128CBC-HS256, A256CBC-HS512; no compression.

// maxJWELen bounds a compact JWE: a card payload is far smaller.
const maxJWELen = 64 << 10

// errJWE is the one answer to every payload that does not decrypt, so that
// nothing about the key or the failure leaks.
var errJWE = errors.New("enc_payload is not a JWE this session can decrypt")

// newSessionKey returns a fresh P-256 private key, as bytes.
func newSessionKey() []byte {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		panic("guardian: generate session key: " + err.Error()) // crypto/rand does not fail
	}
	return k.Bytes()
}

// jwk is a public key as JSON Web Key.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Kid string `json:"kid,omitempty"`
}

// publicJWK returns the public half of a session key as a JWK.
func publicJWK(priv []byte) (jwk, error) {
	k, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return jwk{}, err
	}
	pub := k.PublicKey().Bytes() // 0x04 || X || Y
	sum := sha256.Sum256(pub)
	b64 := base64.RawURLEncoding.EncodeToString
	return jwk{Kty: "EC", Crv: "P-256", X: b64(pub[1:33]), Y: b64(pub[33:65]), Use: "enc", Alg: "ECDH-ES",
		Kid: hex.EncodeToString(sum[:8])}, nil
}

// jweHeader is the protected header of a JWE.
type jweHeader struct {
	Alg string `json:"alg"`
	Enc string `json:"enc"`
	Zip string `json:"zip"`
	Apu string `json:"apu"`
	Apv string `json:"apv"`
	Epk *jwk   `json:"epk"`
}

// decryptJWE opens a compact JWE sent to the session key priv.
func decryptJWE(priv []byte, compact string) ([]byte, error) {
	if len(compact) > maxJWELen {
		return nil, errJWE
	}
	parts := strings.Split(compact, ".")
	if len(parts) != 5 {
		return nil, errJWE
	}
	dec := base64.RawURLEncoding.DecodeString
	rawHeader, err1 := dec(parts[0])
	wrapped, err2 := dec(parts[1])
	iv, err3 := dec(parts[2])
	ciphertext, err4 := dec(parts[3])
	tag, err5 := dec(parts[4])
	if errors.Join(err1, err2, err3, err4, err5) != nil {
		return nil, errJWE
	}
	var h jweHeader
	if err := json.Unmarshal(rawHeader, &h); err != nil || h.Zip != "" || h.Epk == nil {
		return nil, errJWE
	}
	keyLen, ok := encKeyLen(h.Enc)
	if !ok {
		return nil, errJWE
	}
	z, err := agree(priv, h.Epk)
	if err != nil {
		return nil, errJWE
	}
	apu, err1 := dec(h.Apu)
	apv, err2 := dec(h.Apv)
	if err1 != nil || err2 != nil {
		return nil, errJWE
	}
	var cek []byte
	switch h.Alg {
	case "ECDH-ES":
		if len(wrapped) != 0 {
			return nil, errJWE
		}
		cek = concatKDF(z, h.Enc, apu, apv, keyLen)
	case "ECDH-ES+A128KW", "ECDH-ES+A256KW":
		kekLen := 16
		if h.Alg == "ECDH-ES+A256KW" {
			kekLen = 32
		}
		if cek, err = aesKeyUnwrap(concatKDF(z, h.Alg, apu, apv, kekLen), wrapped); err != nil || len(cek) != keyLen {
			return nil, errJWE
		}
	default:
		return nil, errJWE
	}
	plain, err := decryptContent(h.Enc, cek, iv, ciphertext, tag, []byte(parts[0]))
	if err != nil {
		return nil, errJWE
	}
	return plain, nil
}

// encKeyLen is the content key length of a content encryption algorithm.
func encKeyLen(enc string) (int, bool) {
	switch enc {
	case "A128GCM":
		return 16, true
	case "A256GCM", "A128CBC-HS256":
		return 32, true
	case "A256CBC-HS512":
		return 64, true
	}
	return 0, false
}

// agree runs ECDH between the session key and the sender's ephemeral key,
// which must be a valid P-256 point.
func agree(priv []byte, epk *jwk) ([]byte, error) {
	if epk.Kty != "EC" || epk.Crv != "P-256" {
		return nil, errJWE
	}
	x, err1 := base64.RawURLEncoding.DecodeString(epk.X)
	y, err2 := base64.RawURLEncoding.DecodeString(epk.Y)
	if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
		return nil, errJWE
	}
	pub, err := ecdh.P256().NewPublicKey(append(append([]byte{4}, x...), y...))
	if err != nil {
		return nil, errJWE
	}
	k, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return k.ECDH(pub)
}

// concatKDF derives keyLen bytes from the shared secret z as RFC 7518
// section 4.6.2 says (Concat KDF with SHA-256).
func concatKDF(z []byte, alg string, apu, apv []byte, keyLen int) []byte {
	var other []byte
	for _, part := range [][]byte{[]byte(alg), apu, apv} {
		other = binary.BigEndian.AppendUint32(other, uint32(len(part)))
		other = append(other, part...)
	}
	other = binary.BigEndian.AppendUint32(other, uint32(keyLen*8))
	var out []byte
	for counter := uint32(1); len(out) < keyLen; counter++ {
		h := sha256.New()
		_ = binary.Write(h, binary.BigEndian, counter)
		h.Write(z)
		h.Write(other)
		out = h.Sum(out)
	}
	return out[:keyLen]
}

// aesKeyUnwrap undoes RFC 3394 AES key wrap.
func aesKeyUnwrap(kek, wrapped []byte) ([]byte, error) {
	if len(wrapped)%8 != 0 || len(wrapped) < 24 {
		return nil, errJWE
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	n := len(wrapped)/8 - 1
	a := append([]byte(nil), wrapped[:8]...)
	r := append([]byte(nil), wrapped[8:]...)
	buf := make([]byte, 16)
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(buf[:8], binary.BigEndian.Uint64(a)^t)
			copy(buf[8:], r[(i-1)*8:i*8])
			block.Decrypt(buf, buf)
			copy(a, buf[:8])
			copy(r[(i-1)*8:i*8], buf[8:])
		}
	}
	iv := []byte{0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6}
	if subtle.ConstantTimeCompare(a, iv) != 1 {
		return nil, errJWE
	}
	return r, nil
}

// decryptContent opens the JWE's ciphertext with the content key; aad is
// the encoded protected header.
func decryptContent(enc string, cek, iv, ciphertext, tag, aad []byte) ([]byte, error) {
	switch enc {
	case "A128GCM", "A256GCM":
		block, err := aes.NewCipher(cek)
		if err != nil {
			return nil, err
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		if len(iv) != gcm.NonceSize() || len(tag) != gcm.Overhead() {
			return nil, errJWE
		}
		return gcm.Open(nil, iv, append(append([]byte(nil), ciphertext...), tag...), aad)
	case "A128CBC-HS256", "A256CBC-HS512":
		half := len(cek) / 2
		macKey, encKey := cek[:half], cek[half:]
		newHash := sha256.New
		if enc == "A256CBC-HS512" {
			newHash = sha512.New
		}
		if !cbcTagValid(newHash, macKey, aad, iv, ciphertext, tag, half) {
			return nil, errJWE
		}
		block, err := aes.NewCipher(encKey)
		if err != nil {
			return nil, err
		}
		if len(iv) != aes.BlockSize || len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
			return nil, errJWE
		}
		plain := make([]byte, len(ciphertext))
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ciphertext)
		pad := int(plain[len(plain)-1])
		if pad == 0 || pad > aes.BlockSize {
			return nil, errJWE
		}
		return plain[:len(plain)-pad], nil
	}
	return nil, errJWE
}

// cbcTagValid checks the HMAC tag of an AES-CBC-HMAC JWE (RFC 7518 5.2.2).
func cbcTagValid(newHash func() hash.Hash, macKey, aad, iv, ciphertext, tag []byte, tagLen int) bool {
	m := hmac.New(newHash, macKey)
	m.Write(aad)
	m.Write(iv)
	m.Write(ciphertext)
	m.Write(binary.BigEndian.AppendUint64(nil, uint64(len(aad))*8))
	return len(tag) == tagLen && hmac.Equal(m.Sum(nil)[:tagLen], tag)
}
