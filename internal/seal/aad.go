package seal

// AAD is the context a field ciphertext is bound to: the tenant that owns
// it, the record it belongs to and the field it holds. A ciphertext opens
// only with exactly the AAD it was sealed with, so it cannot be moved to
// another tenant, row or column.
type AAD struct {
	Tenant string
	Record string
	Field  string
}

// Bytes returns the canonical encoding of a: a label, then Tenant, Record
// and Field, each prefixed by its length. Two AADs encode the same only if
// all three strings are equal, so ("a","bc") and ("ab","c") never collide.
func (a AAD) Bytes() []byte {
	return a.appendTo(make([]byte, 0, a.encodedLen()))
}

// aadLabel starts every AAD's encoding.
const aadLabel = "cardvault/aad/v1\x00"

// appendTo appends a's encoding (Bytes) to dst.
func (a AAD) appendTo(dst []byte) []byte {
	dst = append(dst, aadLabel...)
	dst = appendLP(dst, a.Tenant)
	dst = appendLP(dst, a.Record)
	return appendLP(dst, a.Field)
}

// encodedLen is the length of a's encoding.
func (a AAD) encodedLen() int {
	return len(aadLabel) + lpLen(a.Tenant) + lpLen(a.Record) + lpLen(a.Field)
}

// lpLen is the length appendLP appends for s.
func lpLen(s string) int {
	n := len(s)
	for v := uint64(len(s)); v >= 0x80; v >>= 7 {
		n++
	}
	return n + 1
}
