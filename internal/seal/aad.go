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
	b := make([]byte, 0, len("cardvault/aad/v1")+1+3*2+len(a.Tenant)+len(a.Record)+len(a.Field))
	b = append(b, "cardvault/aad/v1\x00"...)
	b = appendLP(b, a.Tenant)
	b = appendLP(b, a.Record)
	return appendLP(b, a.Field)
}
