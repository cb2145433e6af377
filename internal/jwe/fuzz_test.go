package jwe

import (
	"encoding/base64"
	"errors"
	"testing"
)

func FuzzDecrypt(f *testing.F) {
	priv, _ := base64.RawURLEncoding.DecodeString(meriadocD)
	for _, v := range nodeVectors {
		f.Add(v.compact)
	}
	f.Add(rfc7520Section5_5)
	f.Add("a.b.c.d.e")
	f.Add("eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTI1NkdDTSJ9....")
	f.Add("eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00iLCJlcGsiOnsia3R5IjoiRUMiLCJjcnYiOiJQLTI1NiIsIngiOiIiLCJ5IjoiIn19.AAAA.AAAA.AAAA.AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		plain, err := Decrypt(priv, s)
		if err != nil && (!errors.Is(err, ErrDecrypt) || err.Error() != ErrDecrypt.Error()) {
			t.Fatalf("error other than ErrDecrypt: %v", err)
		}
		if err == nil && len(plain) > len(s) {
			t.Fatal("plaintext longer than the JWE")
		}
	})
}
