//go:build pkcs11

package pkcs11

import (
	"fmt"

	p11 "github.com/miekg/pkcs11"
)

// CreateKey generates the master key inside the token: AES-256, stored on
// the token, sensitive and non-extractable, usable only to encrypt and
// decrypt, labelled c.KeyLabel. It refuses when a key with that label
// exists. The key's bytes never exist outside the token.
func CreateKey(c Config) error {
	ctx, owner, slot, err := openToken(c)
	if err != nil {
		return err
	}
	defer closeCtx(ctx, owner)
	sh, err := ctx.OpenSession(slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
	if err != nil {
		return fmt.Errorf("pkcs11: open session on token %q: %w", c.TokenLabel, err)
	}
	defer ctx.CloseSession(sh)
	if err := login(ctx, sh, c); err != nil {
		return err
	}
	defer ctx.Logout(sh)
	existing, err := findObjects(ctx, sh, []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY),
		p11.NewAttribute(p11.CKA_LABEL, c.KeyLabel),
	})
	if err != nil {
		return fmt.Errorf("pkcs11: find key %q: %w", c.KeyLabel, err)
	}
	if len(existing) > 0 {
		return fmt.Errorf("pkcs11: token %q already has a key labelled %q", c.TokenLabel, c.KeyLabel)
	}
	_, err = ctx.GenerateKey(sh, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_KEY_GEN, nil)}, []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY),
		p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_AES),
		p11.NewAttribute(p11.CKA_VALUE_LEN, 32),
		p11.NewAttribute(p11.CKA_LABEL, c.KeyLabel),
		p11.NewAttribute(p11.CKA_TOKEN, true),
		p11.NewAttribute(p11.CKA_PRIVATE, true),
		p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_EXTRACTABLE, false),
		p11.NewAttribute(p11.CKA_ENCRYPT, true),
		p11.NewAttribute(p11.CKA_DECRYPT, true),
		p11.NewAttribute(p11.CKA_WRAP, false),
		p11.NewAttribute(p11.CKA_UNWRAP, false),
	})
	if err != nil {
		return fmt.Errorf("pkcs11: generate key %q: %w", c.KeyLabel, err)
	}
	return nil
}
