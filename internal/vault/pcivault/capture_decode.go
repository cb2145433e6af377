package pcivault

import "github.com/cardvault/cardvault/internal/vault"

var _ vault.DirectDecoder = (*pvCaptureData)(nil)

// DecodeDirect parses a capture endpoint record exactly as
// encoding/json.Marshal writes it (fields in declaration order, the
// omitempty ones only when set, no spaces, strings without escapes) and
// reports false for anything else, leaving d unchanged; encoding/json then
// decodes it (vault.DirectDecoder). Every capture post decodes its endpoint
// twice (to check the secret, then in the transaction that stores the
// post), and most of the record is the base64 of an HPKE-sealed data key.
// FuzzCaptureDecodeDirect checks that both decoders agree wherever this
// one answers.
func (d *pvCaptureData) DecodeDirect(raw []byte) bool {
	p := pvCursor{b: raw}
	var c pvCaptureData
	ok := p.lit(`{"user":`) && p.str(&c.User) &&
		p.lit(`,"user_id":`) && p.str(&c.UserID) &&
		p.lit(`,"info":`) && p.bytes(&c.Info) &&
		p.lit(`,"sealed_to_user":`) && p.bytes(&c.SealedToUser) &&
		p.lit(`,"wrapped_by_secret":`) && p.bytes(&c.WrappedBySecret) &&
		p.lit(`,"secret_hash":`) && p.bytes(&c.SecretHash)
	if !ok {
		return false
	}
	if p.lit(`,"lockdown":`) {
		var l pvLockdown
		if !p.lit(`{"token":`) || !p.str(&l.Token) || !p.lit(`,"reference":`) || !p.str(&l.Reference) || !p.lit(`}`) {
			return false
		}
		c.Lockdown = &l
	}
	// omitempty: a count is written only when it is not zero.
	if p.lit(`,"refused":`) && (!p.integer(&c.Refused) || c.Refused == 0) {
		return false
	}
	if p.lit(`,"captures":`) && (!p.integer(&c.Captures) || c.Captures == 0) {
		return false
	}
	if !p.lit(`}`) || len(p.b) != 0 {
		return false
	}
	*d = c
	return true
}
