package seal

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
)

// sealField is sealBlob(a, version, aad.Bytes(), plaintext) in one
// allocation: the GCM additional data (header || aad) is built in the
// blob's array past its capacity, so the seal neither allocates it nor
// writes over it. The blob's bytes are those sealBlob writes
// (TestSealFieldMatchesSealBlob); the additional data left behind it is
// the record's names, nothing secret.
func sealField(a cipher.AEAD, version uint32, aad AAD, plaintext []byte) []byte {
	n := headerLen + nonceLen + len(plaintext) + tagLen
	buf := make([]byte, n, n+headerLen+aad.encodedLen())
	buf[0] = formatV1
	binary.BigEndian.PutUint32(buf[1:headerLen], version)
	if _, err := rand.Read(buf[headerLen : headerLen+nonceLen]); err != nil {
		panic("seal: crypto/rand failed: " + err.Error())
	}
	ad := aad.appendTo(append(buf[n:n], buf[:headerLen]...))
	return a.Seal(buf[:headerLen+nonceLen:n], buf[headerLen:headerLen+nonceLen], plaintext, ad)
}

// openField is openBlob(a, blob, aad.Bytes()) in one allocation: the
// plaintext's array holds the additional data past its capacity. blob's
// shape must have been accepted by blobVersion.
func openField(a cipher.AEAD, blob []byte, aad AAD) ([]byte, error) {
	ct := blob[headerLen+nonceLen:]
	m := len(ct) - tagLen
	buf := make([]byte, 0, m+headerLen+aad.encodedLen())
	ad := aad.appendTo(append(buf[m:m], blob[:headerLen]...))
	pt, err := a.Open(buf[:0:m], blob[headerLen:headerLen+nonceLen], ct, ad)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrOpen)
	}
	return pt, nil
}
