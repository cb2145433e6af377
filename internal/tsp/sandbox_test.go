package tsp

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/vault"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newSandbox(t *testing.T) (*Sandbox, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	return NewSandbox(NewMemoryStorage(), c.Now), c
}

func pan(t *testing.T, s string) card.PAN {
	t.Helper()
	p, err := card.ParsePAN(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var cardExpiry = card.Expiry{Month: 12, Year: 2028}

func provision(t *testing.T, s *Sandbox, tenant, number string) Token {
	t.Helper()
	tok, err := s.Provision(t.Context(), ProvisionRequest{Tenant: tenant, CardID: "card-1", PAN: pan(t, number), Expiry: cardExpiry})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// wantErr checks err's code and reason.
func wantErr(t *testing.T, name string, err error, code vault.Code, reason error) {
	t.Helper()
	if vault.CodeOf(err) != code || (reason != nil && !errors.Is(err, reason)) {
		t.Errorf("%s: got %v, want %s %v", name, err, code, reason)
	}
}

func TestProvisionEachScheme(t *testing.T) {
	s, _ := newSandbox(t)
	for number, scheme := range map[string]card.Scheme{
		"4111111111111111": card.Visa, "5555555555554444": card.Mastercard,
		"378282246310005": card.Amex, "6011000990139424": card.Discover,
	} {
		tok := provision(t, s, "acme", number)
		d := tok.DPAN.Digits()
		sch := SandboxSchemes[scheme]
		if _, err := card.ParsePAN(d); err != nil || d == number || !strings.HasPrefix(d, sch.Prefix) || len(d) != sch.Length || tok.DPAN.Scheme() != scheme {
			t.Errorf("%s: DPAN %s (%v)", scheme, tok.DPAN.Masked(), err)
		}
		if tok.Scheme != scheme || tok.State != StateActive || !tok.Sandbox || tok.Provider != "sandbox" ||
			!strings.HasPrefix(tok.ReferenceID, "sbx_ref_") || tok.Expiry != (card.Expiry{Month: 12, Year: 2029}) || tok.Expiry == cardExpiry {
			t.Errorf("%s: token %+v", scheme, tok)
		}
		if got, err := s.Status(t.Context(), "acme", tok.ID); err != nil || got.DPAN.Digits() != d {
			t.Errorf("status: %v", err)
		}
		// The token prints masked everywhere.
		if out := fmt.Sprintf("%v %+v %#v", tok, tok, tok); strings.Contains(out, d) {
			t.Errorf("token printed its DPAN: %s", out)
		}
	}
}

// TestDPANNeverTheFundingPAN: in a range with only ten numbers, one of
// which is the funding PAN, the DPAN is never the funding PAN.
func TestDPANNeverTheFundingPAN(t *testing.T) {
	tiny := sandboxScheme{Prefix: "40000000000000", Length: 16}
	funding := pan(t, "4000000000000002")
	seen := map[string]bool{}
	for range 300 {
		d, err := newDPAN(tiny, funding)
		if err != nil || d.Digits() == funding.Digits() {
			t.Fatalf("DPAN equal to the funding PAN (%v)", err)
		}
		seen[d.Digits()] = true
	}
	if len(seen) != 9 {
		t.Errorf("%d distinct DPANs of 9 possible", len(seen))
	}
}

func TestProvisionRefuses(t *testing.T) {
	s, _ := newSandbox(t)
	for _, number := range []string{"3530111333300000", "6200000000000005", "36227206271667"} {
		_, err := s.Provision(t.Context(), ProvisionRequest{Tenant: "acme", CardID: "c", PAN: pan(t, number), Expiry: cardExpiry})
		wantErr(t, "scheme "+number[:4], err, vault.CodeInvalid, ErrSchemeNotSupported)
		if err != nil && strings.Contains(err.Error(), number) {
			t.Errorf("error repeats the PAN: %v", err)
		}
	}
	_, err := s.Provision(t.Context(), ProvisionRequest{Tenant: "acme", CardID: "c", PAN: pan(t, "4111111111111111"), Expiry: card.Expiry{Month: 11, Year: 2026}})
	wantErr(t, "expired card", err, vault.CodeInvalid, ErrCardExpired)
	_, err = s.Provision(t.Context(), ProvisionRequest{Tenant: "acme", CardID: "c", Expiry: cardExpiry})
	wantErr(t, "no PAN", err, vault.CodeInvalid, nil)
}

func TestLifecycleAndEvents(t *testing.T) {
	s, _ := newSandbox(t)
	ctx := t.Context()
	tok := provision(t, s, "acme", "4111111111111111")
	_, err := s.Resume(ctx, "acme", tok.ID)
	wantErr(t, "resume active", err, vault.CodeConflict, ErrTokenState)
	if got, err := s.Suspend(ctx, "acme", tok.ID); err != nil || got.State != StateSuspended {
		t.Fatalf("suspend: %+v %v", got, err)
	}
	_, err = s.Suspend(ctx, "acme", tok.ID)
	wantErr(t, "suspend twice", err, vault.CodeConflict, ErrTokenState)
	_, err = s.Cryptogram(ctx, CryptogramRequest{Tenant: "acme", TokenID: tok.ID})
	wantErr(t, "cryptogram for a suspended token", err, vault.CodeConflict, ErrTokenState)
	if got, err := s.Resume(ctx, "acme", tok.ID); err != nil || got.State != StateActive {
		t.Fatalf("resume: %+v %v", got, err)
	}
	if _, err := s.Cryptogram(ctx, CryptogramRequest{Tenant: "acme", TokenID: tok.ID}); err != nil {
		t.Fatalf("cryptogram after resume: %v", err)
	}
	if got, err := s.Delete(ctx, "acme", tok.ID); err != nil || got.State != StateDeleted {
		t.Fatalf("delete: %+v %v", got, err)
	}
	for name, f := range map[string]func() error{
		"resume deleted":  func() error { _, err := s.Resume(ctx, "acme", tok.ID); return err },
		"suspend deleted": func() error { _, err := s.Suspend(ctx, "acme", tok.ID); return err },
		"delete twice":    func() error { _, err := s.Delete(ctx, "acme", tok.ID); return err },
		"cryptogram": func() error {
			_, err := s.Cryptogram(ctx, CryptogramRequest{Tenant: "acme", TokenID: tok.ID})
			return err
		},
	} {
		wantErr(t, name, f(), vault.CodeConflict, ErrTokenState)
	}
	if got, _ := s.Status(ctx, "acme", tok.ID); got.State != StateDeleted || got.Version != 4 {
		t.Errorf("status after delete %+v", got)
	}
	evs, _ := s.Events(ctx, "acme", "", 10)
	var types []EventType
	for _, e := range evs {
		types = append(types, e.Type)
	}
	want := []EventType{EventProvisioned, EventSuspended, EventResumed, EventDeleted}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("events %v", types)
	}
	if later, _ := s.Events(ctx, "acme", evs[1].ID, 10); len(later) != 2 || later[0].Type != EventResumed {
		t.Errorf("events after %s: %v", evs[1].ID, later)
	}
}

func TestTenantIsolation(t *testing.T) {
	s, _ := newSandbox(t)
	ctx := t.Context()
	tok := provision(t, s, "acme", "4111111111111111")
	c, _ := s.Cryptogram(ctx, CryptogramRequest{Tenant: "acme", TokenID: tok.ID})
	_, err := s.Status(ctx, "other", tok.ID)
	wantErr(t, "status", err, vault.CodeNotFound, nil)
	_, err = s.Suspend(ctx, "other", tok.ID)
	wantErr(t, "suspend", err, vault.CodeNotFound, nil)
	_, err = s.Cryptogram(ctx, CryptogramRequest{Tenant: "other", TokenID: tok.ID})
	wantErr(t, "cryptogram", err, vault.CodeNotFound, nil)
	_, err = s.Redeem(ctx, "other", c.Reference, Binding{})
	wantErr(t, "redeem", err, vault.CodeNotFound, nil)
	if evs, _ := s.Events(ctx, "other", "", 10); len(evs) != 0 {
		t.Errorf("other tenant sees %v", evs)
	}
	if _, err := s.Redeem(ctx, "acme", c.Reference, Binding{}); err != nil {
		t.Errorf("the other tenant's attempt spent the cryptogram: %v", err)
	}
}
