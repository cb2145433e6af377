package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
)

// KeySize is the length in bytes of every symmetric key in this package.
const KeySize = 32

const (
	formatV1   byte = 1
	headerLen       = 1 + 4
	nonceLen        = 12
	tagLen          = 16
	minBlobLen      = headerLen + nonceLen + tagLen
)

var errKeySize = fmt.Errorf("seal: key must be exactly %d bytes", KeySize)

// newAEAD returns AES-256-GCM for a 32-byte key. The key bytes are not
// retained: the cipher keeps only its own expanded schedule.
func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, errKeySize
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, errors.New("seal: cannot initialise AES")
	}
	return cipher.NewGCM(b)
}

// randomBytes returns n bytes from crypto/rand. crypto/rand does not fail on
// supported platforms; if it ever did, continuing would be unsafe.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("seal: crypto/rand failed: " + err.Error())
	}
	return b
}

// sealBlob seals plaintext as format | version | nonce | ciphertext+tag, with
// the header and context authenticated as additional data.
func sealBlob(a cipher.AEAD, version uint32, context, plaintext []byte) []byte {
	out := make([]byte, headerLen+nonceLen, headerLen+nonceLen+len(plaintext)+tagLen)
	out[0] = formatV1
	binary.BigEndian.PutUint32(out[1:headerLen], version)
	if _, err := rand.Read(out[headerLen:]); err != nil {
		panic("seal: crypto/rand failed: " + err.Error())
	}
	nonce := out[headerLen : headerLen+nonceLen]
	return a.Seal(out, nonce, plaintext, gcmAAD(out[:headerLen], context))
}

// blobHeader returns the format byte and key version that start a blob.
func blobHeader(version uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{formatV1}, version)
}

// blobVersion checks a blob's shape and returns the key version it names.
func blobVersion(blob []byte) (uint32, error) {
	if len(blob) < minBlobLen {
		return 0, fmt.Errorf("%w: too short", ErrOpen)
	}
	if blob[0] != formatV1 {
		return 0, fmt.Errorf("%w: unknown format %d", ErrOpen, blob[0])
	}
	return binary.BigEndian.Uint32(blob[1:headerLen]), nil
}

// openBlob opens a blob whose shape blobVersion has accepted.
func openBlob(a cipher.AEAD, blob, context []byte) ([]byte, error) {
	nonce := blob[headerLen : headerLen+nonceLen]
	pt, err := a.Open(nil, nonce, blob[headerLen+nonceLen:], gcmAAD(blob[:headerLen], context))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrOpen)
	}
	return pt, nil
}

// gcmAAD is header || context in a fresh slice. The header has a fixed
// length, so the concatenation is unambiguous.
func gcmAAD(header, context []byte) []byte {
	b := make([]byte, 0, len(header)+len(context))
	return append(append(b, header...), context...)
}

// appendLP appends s prefixed by its length as a uvarint, so that a sequence
// of such values has exactly one reading.
func appendLP(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func unknownVersion(v uint32) error {
	return fmt.Errorf("%w: %w %d", ErrOpen, ErrUnknownKeyVersion, v)
}
