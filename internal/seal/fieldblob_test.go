package seal

import (
	"bytes"
	"strings"
	"testing"
)

// A field sealed by sealField is the blob sealBlob made before it, and the
// two open each other's: ciphertexts stored before the change open after it
// and the other way round. Names of every length class of the uvarint
// prefix are covered, so that encodedLen is exact.
func TestSealFieldMatchesSealBlob(t *testing.T) {
	a, err := newAEAD(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("r", 200)
	longer := strings.Repeat("f", 20000)
	for _, aad := range []AAD{{}, {"t", "card-1", "pan"}, {"tenant", long, "holder"}, {long, "", longer}} {
		if got, want := aad.encodedLen(), len(aad.appendTo(nil)); got != want {
			t.Fatalf("encodedLen = %d, encoding has %d", got, want)
		}
		for _, pt := range [][]byte{nil, {}, []byte("4111111111111111"), bytes.Repeat([]byte{9}, 5000)} {
			blob := sealField(a, 3, aad, pt)
			if len(blob) != cap(blob) || len(blob) != headerLen+nonceLen+len(pt)+tagLen {
				t.Fatalf("blob of %d bytes has length %d, capacity %d", len(pt), len(blob), cap(blob))
			}
			if blob[0] != formatV1 || !bytes.Equal(blob[1:headerLen], []byte{0, 0, 0, 3}) {
				t.Fatalf("header % x", blob[:headerLen])
			}
			// The blob opens the old way; with the nonce it carries, the
			// old way seals the very same bytes.
			if got, err := openBlob(a, blob, aad.Bytes()); err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("openBlob of sealField: %v", err)
			}
			nonce := blob[headerLen : headerLen+nonceLen]
			if old := a.Seal(append([]byte(nil), blob[:headerLen+nonceLen]...), nonce, pt, gcmAAD(blob[:headerLen], aad.Bytes())); !bytes.Equal(old, blob) {
				t.Fatal("sealField's blob differs from sealBlob's with the same nonce")
			}
			old := sealBlob(a, 3, aad.Bytes(), pt)
			got, err := openField(a, old, aad)
			if err != nil || !bytes.Equal(got, pt) || cap(got) != len(pt) {
				t.Fatalf("openField of sealBlob: %v (capacity %d)", err, cap(got))
			}
			other := aad
			other.Field += "x"
			if _, err := openField(a, old, other); err == nil {
				t.Fatal("opened under another field")
			}
			tampered := bytes.Clone(old)
			tampered[len(tampered)-1] ^= 1
			if _, err := openField(a, tampered, aad); err == nil {
				t.Fatal("opened a tampered blob")
			}
		}
	}
}
