//go:build pkcs11

package pkcs11

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"

	p11 "github.com/miekg/pkcs11"

	"github.com/cardvault/cardvault/internal/seal"
)

// Config says where the master key lives.
type Config struct {
	// Module is the path of the vendor's PKCS#11 library (.so).
	Module string
	// TokenLabel selects the token by its label.
	TokenLabel string
	// PIN is the user PIN of the token.
	PIN string
	// KeyLabel names the AES key (CKA_LABEL) on the token.
	KeyLabel string
	// Sessions is how many operations may run at once; default 4.
	Sessions int
}

// ReadPIN returns the PIN held in a file, without its trailing newline.
// Its errors never contain the file's content.
func ReadPIN(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("pkcs11: read PIN file: %w", err)
	}
	pin := strings.TrimRight(string(b), "\r\n")
	if pin == "" {
		return "", errors.New("pkcs11: PIN file is empty")
	}
	return pin, nil
}

// KEK is a master key in a PKCS#11 token. It is safe for concurrent use:
// each operation takes a session from a pool. Close releases the token.
type KEK struct {
	ctx      *p11.Ctx
	owner    bool // this KEK initialised the module and finalises it
	id       uint32
	key      p11.ObjectHandle
	sessions chan p11.SessionHandle
	all      []p11.SessionHandle
	// probe is a value wrapped at Open; see Unwrap.
	probe []byte
}

var (
	probePlain = []byte("cardvault pkcs11 probe")
	probeAAD   = []byte("cardvault/pkcs11-probe/v1")
)

var _ seal.KEK = (*KEK)(nil)

// Open loads the module, finds the token, logs in and finds the key. Each
// failure says which of those went wrong (and never contains the PIN). It
// refuses a key that is extractable or not sensitive: a master key that can
// leave the token is not one this provider will use.
func Open(c Config) (k *KEK, err error) {
	ctx, owner, slot, err := openToken(c)
	if err != nil {
		return nil, err
	}
	k = &KEK{ctx: ctx, owner: owner}
	defer func() {
		if err != nil {
			k.Close()
		}
	}()
	n := c.Sessions
	if n <= 0 {
		n = 4
	}
	k.sessions = make(chan p11.SessionHandle, n)
	for range n {
		sh, err := ctx.OpenSession(slot, p11.CKF_SERIAL_SESSION)
		if err != nil {
			return nil, fmt.Errorf("pkcs11: open session on token %q: %w", c.TokenLabel, err)
		}
		k.all = append(k.all, sh)
		k.sessions <- sh
	}
	if err := login(ctx, k.all[0], c); err != nil {
		return nil, err
	}
	if k.key, err = findKey(ctx, k.all[0], c); err != nil {
		return nil, err
	}
	info, err := ctx.GetTokenInfo(slot)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: token info: %w", err)
	}
	k.id = keyID(strings.TrimSpace(info.SerialNumber), c.KeyLabel)
	if k.probe, err = k.Wrap(probePlain, probeAAD); err != nil {
		return nil, fmt.Errorf("pkcs11: key %q cannot encrypt with AES-GCM: %w", c.KeyLabel, err)
	}
	if pt, err := k.decrypt(k.probe, probeAAD); err != nil || !bytes.Equal(pt, probePlain) {
		return nil, fmt.Errorf("pkcs11: key %q cannot decrypt with AES-GCM: %v", c.KeyLabel, err)
	}
	return k, nil
}

// openToken loads the module and returns the slot of the token labelled
// c.TokenLabel, and whether this call initialised the module (and so must
// finalise it: another user of the same module in this process would lose
// its sessions otherwise).
func openToken(c Config) (ctx *p11.Ctx, owner bool, slot uint, err error) {
	if _, err := os.Stat(c.Module); err != nil {
		return nil, false, 0, fmt.Errorf("pkcs11: module %q: %w", c.Module, err)
	}
	ctx = p11.New(c.Module)
	if ctx == nil {
		return nil, false, 0, fmt.Errorf("pkcs11: cannot load module %q (not a PKCS#11 library?)", c.Module)
	}
	err = ctx.Initialize()
	owner = err == nil
	if err != nil && !isCode(err, p11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		ctx.Destroy()
		return nil, false, 0, fmt.Errorf("pkcs11: initialise module %q: %w", c.Module, err)
	}
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		closeCtx(ctx, owner)
		return nil, false, 0, fmt.Errorf("pkcs11: list slots: %w", err)
	}
	for _, s := range slots {
		info, err := ctx.GetTokenInfo(s)
		if err == nil && strings.TrimSpace(info.Label) == c.TokenLabel {
			return ctx, owner, s, nil
		}
	}
	closeCtx(ctx, owner)
	return nil, false, 0, fmt.Errorf("pkcs11: no token labelled %q in module %q", c.TokenLabel, c.Module)
}

func login(ctx *p11.Ctx, sh p11.SessionHandle, c Config) error {
	err := ctx.Login(sh, p11.CKU_USER, c.PIN)
	switch {
	case err == nil, isCode(err, p11.CKR_USER_ALREADY_LOGGED_IN):
		return nil
	case isCode(err, p11.CKR_PIN_INCORRECT), isCode(err, p11.CKR_PIN_INVALID), isCode(err, p11.CKR_PIN_LEN_RANGE):
		return fmt.Errorf("pkcs11: token %q refused the PIN", c.TokenLabel)
	case isCode(err, p11.CKR_PIN_LOCKED):
		return fmt.Errorf("pkcs11: the PIN of token %q is locked", c.TokenLabel)
	}
	return fmt.Errorf("pkcs11: log in to token %q: %w", c.TokenLabel, err)
}

// findKey returns the one AES secret key labelled c.KeyLabel, checking that
// it cannot leave the token.
func findKey(ctx *p11.Ctx, sh p11.SessionHandle, c Config) (p11.ObjectHandle, error) {
	objs, err := findObjects(ctx, sh, []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY),
		p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_AES),
		p11.NewAttribute(p11.CKA_LABEL, c.KeyLabel),
	})
	if err != nil {
		return 0, fmt.Errorf("pkcs11: find key %q: %w", c.KeyLabel, err)
	}
	switch len(objs) {
	case 0:
		return 0, fmt.Errorf("pkcs11: no AES key labelled %q on token %q", c.KeyLabel, c.TokenLabel)
	case 1:
	default:
		return 0, fmt.Errorf("pkcs11: %d AES keys labelled %q on token %q; labels must be unique", len(objs), c.KeyLabel, c.TokenLabel)
	}
	attrs, err := ctx.GetAttributeValue(sh, objs[0], []*p11.Attribute{
		p11.NewAttribute(p11.CKA_EXTRACTABLE, nil),
		p11.NewAttribute(p11.CKA_SENSITIVE, nil),
		p11.NewAttribute(p11.CKA_VALUE_LEN, nil),
	})
	if err != nil {
		return 0, fmt.Errorf("pkcs11: read attributes of key %q: %w", c.KeyLabel, err)
	}
	for _, a := range attrs {
		switch a.Type {
		case p11.CKA_EXTRACTABLE:
			if isTrue(a.Value) {
				return 0, fmt.Errorf("pkcs11: key %q is extractable; make a non-extractable one (docs/operations.md)", c.KeyLabel)
			}
		case p11.CKA_SENSITIVE:
			if !isTrue(a.Value) {
				return 0, fmt.Errorf("pkcs11: key %q is not sensitive; make a sensitive one (docs/operations.md)", c.KeyLabel)
			}
		case p11.CKA_VALUE_LEN:
			if n, _ := attrUint(a.Value); n != seal.KeySize {
				return 0, fmt.Errorf("pkcs11: key %q is AES-%d, want AES-256", c.KeyLabel, n*8)
			}
		}
	}
	return objs[0], nil
}

func findObjects(ctx *p11.Ctx, sh p11.SessionHandle, tmpl []*p11.Attribute) ([]p11.ObjectHandle, error) {
	if err := ctx.FindObjectsInit(sh, tmpl); err != nil {
		return nil, err
	}
	objs, _, err := ctx.FindObjects(sh, 4)
	if ferr := ctx.FindObjectsFinal(sh); err == nil {
		err = ferr
	}
	return objs, err
}

// ID returns a name for the key derived from the token's serial number and
// the key label.
func (k *KEK) ID() uint32 { return k.id }

const (
	ivLen   = 12
	tagBits = 128
)

// Wrap seals plaintext with AES-256-GCM inside the token under a fresh
// random IV and returns IV || ciphertext || tag.
func (k *KEK) Wrap(plaintext, aad []byte) ([]byte, error) {
	iv := make([]byte, ivLen)
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	sh := <-k.sessions
	defer func() { k.sessions <- sh }()
	params := p11.NewGCMParams(iv, aad, tagBits)
	defer params.Free()
	if err := k.ctx.EncryptInit(sh, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_GCM, params)}, k.key); err != nil {
		return nil, fmt.Errorf("pkcs11: encrypt: %w", err)
	}
	ct, err := k.ctx.Encrypt(sh, plaintext)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: encrypt: %w", err)
	}
	if got := params.IV(); len(got) == ivLen { // some tokens choose their own IV
		iv = got
	}
	return append(iv, ct...), nil
}

// Unwrap opens IV || ciphertext || tag inside the token. A failed
// authentication wraps seal.ErrNotMine; any other failure is the token's.
//
// Tokens differ in how they report a bad GCM tag: the standard says
// CKR_ENCRYPTED_DATA_INVALID, SoftHSM2 says CKR_GENERAL_ERROR, which a
// failing device says too. So after any other failure of the decryption
// itself, Unwrap opens the probe it wrapped at Open: if that still works
// the token is healthy and the blob was not ours; if not, the token's
// error is returned as fatal.
func (k *KEK) Unwrap(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < ivLen+tagBits/8 {
		return nil, fmt.Errorf("%w: too short", seal.ErrNotMine)
	}
	pt, err := k.decrypt(sealed, aad)
	if err == nil {
		return pt, nil
	}
	var de decryptError
	if !errors.As(err, &de) {
		return nil, err
	}
	if isCode(err, p11.CKR_ENCRYPTED_DATA_INVALID) || isCode(err, p11.CKR_ENCRYPTED_DATA_LEN_RANGE) {
		return nil, seal.ErrNotMine
	}
	if probe, perr := k.decrypt(k.probe, probeAAD); perr == nil && bytes.Equal(probe, probePlain) {
		return nil, seal.ErrNotMine
	}
	return nil, err
}

// decryptError marks a failure of C_Decrypt itself (not of its set-up).
type decryptError struct{ err error }

func (e decryptError) Error() string { return "pkcs11: decrypt: " + e.err.Error() }
func (e decryptError) Unwrap() error { return e.err }

func (k *KEK) decrypt(sealed, aad []byte) ([]byte, error) {
	sh := <-k.sessions
	defer func() { k.sessions <- sh }()
	params := p11.NewGCMParams(bytes.Clone(sealed[:ivLen]), aad, tagBits)
	defer params.Free()
	if err := k.ctx.DecryptInit(sh, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_GCM, params)}, k.key); err != nil {
		return nil, fmt.Errorf("pkcs11: decrypt: %w", err)
	}
	pt, err := k.ctx.Decrypt(sh, sealed[ivLen:])
	if err != nil {
		return nil, decryptError{err}
	}
	return pt, nil
}

// Close logs out, closes the sessions and unloads the module.
func (k *KEK) Close() error {
	if k == nil || k.ctx == nil {
		return nil
	}
	if len(k.all) > 0 && k.owner { // login state is shared by every session of the process
		_ = k.ctx.Logout(k.all[0])
	}
	for _, sh := range k.all {
		_ = k.ctx.CloseSession(sh)
	}
	closeCtx(k.ctx, k.owner)
	k.ctx = nil
	return nil
}

func closeCtx(ctx *p11.Ctx, owner bool) {
	if owner {
		_ = ctx.Finalize()
	}
	ctx.Destroy()
}

// keyID names a token key by the token's serial number and the key label.
func keyID(serial, label string) uint32 {
	h := sha256.New()
	h.Write([]byte("cardvault/pkcs11-key-id/v1\x00"))
	h.Write(binary.AppendUvarint(nil, uint64(len(serial))))
	h.Write([]byte(serial))
	h.Write([]byte(label))
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func isCode(err error, code uint) bool {
	var e p11.Error
	return errors.As(err, &e) && uint(e) == code
}

func isTrue(v []byte) bool { return len(v) > 0 && v[0] != 0 }

func attrUint(v []byte) (uint64, bool) {
	switch len(v) {
	case 4:
		return uint64(binary.NativeEndian.Uint32(v)), true
	case 8:
		return binary.NativeEndian.Uint64(v), true
	}
	return 0, false
}
