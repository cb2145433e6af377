package tsp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

// sandboxScheme is how the sandbox tokenizes one scheme: DPANs start with
// Prefix (the prefix of a publicly published test card number, which no
// real account uses) and have Length digits; its cryptograms carry ECI.
type sandboxScheme struct {
	Prefix string
	Length int
	ECI    string
}

// SandboxSchemes are the schemes the sandbox tokenizes; any other is
// refused, as a real service refuses a scheme it does not serve.
var SandboxSchemes = map[card.Scheme]sandboxScheme{
	card.Visa:       {Prefix: "400000", Length: 16, ECI: "07"},
	card.Mastercard: {Prefix: "520082", Length: 16, ECI: "02"},
	card.Amex:       {Prefix: "378282", Length: 15, ECI: "07"},
	card.Discover:   {Prefix: "601111", Length: 16, ECI: "07"},
}

// Sandbox lifetimes.
const (
	// SandboxTokenYears is how long a sandbox token is valid.
	SandboxTokenYears = 3
	// SandboxCryptogramTTL is how long a sandbox cryptogram may be used.
	SandboxCryptogramTTL = 15 * time.Minute
)

// Sandbox is the token service that runs with no network: it behaves like
// VTS/MDES (own DPAN and expiry, reference id, states, single-use bound
// cryptograms) and says Sandbox on everything it returns.
type Sandbox struct {
	store  Storage
	secret []byte
	now    func() time.Time
}

var (
	_ Provider = (*Sandbox)(nil)
	_ Checker  = (*Sandbox)(nil)
)

// NewSandbox returns a sandbox keeping its state in store; now is its
// clock (time.Now when nil).
func NewSandbox(store Storage, now func() time.Time) *Sandbox {
	if now == nil {
		now = time.Now
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return &Sandbox{store: store, secret: secret, now: now}
}

// Name implements Provider.
func (s *Sandbox) Name() string { return "sandbox" }

// Check implements Checker: the refusals Provision makes before it
// provisions anything.
func (s *Sandbox) Check(pan card.PAN, expiry card.Expiry) error {
	scheme := pan.Scheme()
	if _, ok := SandboxSchemes[scheme]; !ok {
		return refuse(vault.CodeInvalid, ErrSchemeNotSupported, "the sandbox token service does not tokenize "+string(scheme)+" cards (it does visa, mastercard, american express, discover)")
	}
	if expiry.Expired(s.now().UTC()) {
		return refuse(vault.CodeInvalid, ErrCardExpired, "the card has expired and cannot be tokenized")
	}
	return nil
}

// Provision implements Provider.
func (s *Sandbox) Provision(ctx context.Context, req ProvisionRequest) (Token, error) {
	if req.PAN.IsZero() || req.Tenant == "" || req.CardID == "" {
		return Token{}, vault.Invalid("card", "a card is required to provision a network token")
	}
	if err := s.Check(req.PAN, req.Expiry); err != nil {
		return Token{}, err
	}
	scheme := req.PAN.Scheme()
	sch := SandboxSchemes[scheme]
	now := s.now().UTC()
	dpan, err := newDPAN(sch, req.PAN)
	if err != nil {
		return Token{}, err
	}
	exp, err := card.NewExpiry(int(now.Month()), now.Year()+SandboxTokenYears)
	if err != nil {
		return Token{}, err
	}
	t := Token{ID: uuid.Must(uuid.NewV7()).String(), Tenant: req.Tenant, CardID: req.CardID, Scheme: scheme,
		DPAN: dpan, Expiry: exp, ReferenceID: "sbx_ref_" + randomHex(16), State: StateActive,
		Sandbox: true, Provider: s.Name(), Metadata: req.Metadata, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.store.CreateToken(ctx, t, event(t, EventProvisioned)); err != nil {
		return Token{}, err
	}
	return t, nil
}

// Status implements Provider.
func (s *Sandbox) Status(ctx context.Context, tenant, tokenID string) (Token, error) {
	t, err := s.store.Token(ctx, tenant, tokenID)
	if errors.Is(err, vault.ErrNotFound) {
		return Token{}, refuse(vault.CodeNotFound, err, "network token not found")
	}
	return t, err
}

// Cryptogram implements Provider.
func (s *Sandbox) Cryptogram(ctx context.Context, req CryptogramRequest) (Cryptogram, error) {
	t, err := s.Status(ctx, req.Tenant, req.TokenID)
	if err != nil {
		return Cryptogram{}, err
	}
	if t.State != StateActive {
		return Cryptogram{}, refuse(vault.CodeConflict, ErrTokenState, "the network token is "+string(t.State)+"; cryptograms need an active token")
	}
	if req.Amount != nil && *req.Amount < 0 {
		return Cryptogram{}, vault.Invalid("amount", "amount must not be negative")
	}
	if req.Currency != "" && !isCurrency(req.Currency) {
		return Cryptogram{}, vault.Invalid("currency", "currency must be a three-letter ISO 4217 code")
	}
	ref := uuid.Must(uuid.NewV7()).String()
	value := s.value(t, ref, req.Binding)
	c := Cryptogram{Reference: ref, Tenant: t.Tenant, TokenID: t.ID, Value: value, DynamicCVV: dynamicCVV(value, t.Scheme),
		ECI: SandboxSchemes[t.Scheme].ECI, Binding: req.Binding, ExpiresAt: s.now().UTC().Add(SandboxCryptogramTTL), Sandbox: true}
	if err := s.store.CreateCryptogram(ctx, c); err != nil {
		return Cryptogram{}, err
	}
	return c, nil
}

// Redeem implements Provider. A cryptogram is spent by its first use, even
// when that use is then refused for its binding or its token's state: a
// cryptogram offered for the wrong amount must not be tried again.
func (s *Sandbox) Redeem(ctx context.Context, tenant, reference string, use Binding) (Cryptogram, error) {
	now := s.now().UTC()
	c, err := s.store.UseCryptogram(ctx, tenant, reference, now)
	switch {
	case errors.Is(err, vault.ErrNotFound):
		return Cryptogram{}, refuse(vault.CodeNotFound, err, "cryptogram reference not found")
	case errors.Is(err, vault.ErrConflict):
		return Cryptogram{}, refuse(vault.CodeConflict, ErrCryptogramUsed, "the cryptogram was already used; request a new one")
	case err != nil:
		return Cryptogram{}, err
	case !now.Before(c.ExpiresAt):
		return Cryptogram{}, refuse(vault.CodeExpired, ErrCryptogramExpired, "the cryptogram has expired; request a new one")
	case !c.covers(use):
		return Cryptogram{}, refuse(vault.CodeConflict, ErrCryptogramBinding, "the cryptogram is bound to another amount or currency")
	}
	t, err := s.Status(ctx, tenant, c.TokenID)
	if err != nil {
		return Cryptogram{}, err
	}
	if t.State != StateActive {
		return Cryptogram{}, refuse(vault.CodeConflict, ErrTokenState, "the network token is "+string(t.State))
	}
	c.UsedAt = &now
	return c, nil
}

// covers reports whether a use matches what the cryptogram is bound to.
func (c Cryptogram) covers(use Binding) bool {
	if c.Amount != nil && (use.Amount == nil || *use.Amount != *c.Amount) {
		return false
	}
	return c.Currency == "" || use.Currency == c.Currency
}

// Suspend implements Provider.
func (s *Sandbox) Suspend(ctx context.Context, tenant, tokenID string) (Token, error) {
	return s.transition(ctx, tenant, tokenID, StateActive, StateSuspended, EventSuspended)
}

// Resume implements Provider.
func (s *Sandbox) Resume(ctx context.Context, tenant, tokenID string) (Token, error) {
	return s.transition(ctx, tenant, tokenID, StateSuspended, StateActive, EventResumed)
}

// Delete implements Provider; an active or a suspended token can be deleted.
func (s *Sandbox) Delete(ctx context.Context, tenant, tokenID string) (Token, error) {
	return s.transition(ctx, tenant, tokenID, "", StateDeleted, EventDeleted)
}

// Events implements Provider.
func (s *Sandbox) Events(ctx context.Context, tenant, after string, limit int) ([]Event, error) {
	return s.store.Events(ctx, tenant, after, limit)
}

// transition moves a token from state from ("" for any live state) to to,
// retrying when another writer got there first.
func (s *Sandbox) transition(ctx context.Context, tenant, tokenID string, from, to State, ev EventType) (Token, error) {
	for range 5 {
		t, err := s.Status(ctx, tenant, tokenID)
		if err != nil {
			return Token{}, err
		}
		if t.State == StateDeleted || (from != "" && t.State != from) {
			return Token{}, refuse(vault.CodeConflict, ErrTokenState, "the network token is "+string(t.State)+" and cannot become "+string(to))
		}
		t.State, t.UpdatedAt, t.Version = to, s.now().UTC(), t.Version+1
		err = s.store.UpdateToken(ctx, t, event(t, ev))
		if errors.Is(err, vault.ErrConflict) {
			continue
		}
		if err != nil {
			return Token{}, err
		}
		return t, nil
	}
	return Token{}, refuse(vault.CodeConflict, ErrTokenState, "the network token is changing; retry")
}

func event(t Token, typ EventType) Event {
	return Event{Tenant: t.Tenant, TokenID: t.ID, CardID: t.CardID, Type: typ, State: t.State, At: t.UpdatedAt}
}

// value is the sandbox's cryptogram: a MAC over the token, the reference
// and the binding, 20 bytes like a TAVV, base64.
func (s *Sandbox) value(t Token, ref string, b Binding) string {
	m := hmac.New(sha256.New, s.secret)
	amount := "-"
	if b.Amount != nil {
		amount = strconv.FormatInt(*b.Amount, 10)
	}
	for _, part := range []string{t.ID, t.ReferenceID, ref, amount, b.Currency} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil)[:20])
}

// dynamicCVV derives the sandbox's dynamic security code from a
// cryptogram value: three digits, four for American Express.
func dynamicCVV(value string, scheme card.Scheme) string {
	n := 3
	if scheme == card.Amex {
		n = 4
	}
	sum := sha256.Sum256([]byte(value))
	d := make([]byte, n)
	for i := range d {
		d[i] = '0' + sum[i]%10
	}
	return string(d)
}

// newDPAN draws a number in the scheme's sandbox range with a valid Luhn
// digit that is not the funding PAN.
func newDPAN(sch sandboxScheme, funding card.PAN) (card.PAN, error) {
	for {
		d := []byte(sch.Prefix)
		for len(d) < sch.Length-1 {
			n, err := rand.Int(rand.Reader, big.NewInt(10))
			if err != nil {
				return card.PAN{}, err
			}
			d = append(d, byte('0'+n.Int64()))
		}
		d = append(d, luhnDigit(d))
		p, err := card.ParsePAN(string(d))
		if err != nil {
			return card.PAN{}, err
		}
		if p.Digits() != funding.Digits() {
			return p, nil
		}
	}
}

// luhnDigit is the check digit that makes d plus it pass the Luhn check.
func luhnDigit(d []byte) byte {
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if (len(d)-1-i)%2 == 0 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return byte('0' + (10-sum%10)%10)
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
