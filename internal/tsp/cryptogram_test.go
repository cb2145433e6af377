package tsp

import (
	"encoding/base64"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

func amount(n int64) *int64 { return &n }

func TestCryptogramSingleUseAndBound(t *testing.T) {
	s, clk := newSandbox(t)
	ctx := t.Context()
	visa := provision(t, s, "acme", "4111111111111111")
	mc := provision(t, s, "acme", "5555555555554444")

	bound := Binding{Amount: amount(1299), Currency: "EUR"}
	c, err := s.Cryptogram(ctx, CryptogramRequest{Tenant: "acme", TokenID: visa.ID, Binding: bound})
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := base64.StdEncoding.DecodeString(c.Value); err != nil || len(raw) != 20 || c.ECI != "07" || !c.Sandbox || c.TokenID != visa.ID {
		t.Errorf("cryptogram %+v", c)
	}
	if m, _ := s.Cryptogram(ctx, CryptogramRequest{Tenant: "acme", TokenID: mc.ID}); m.ECI != "02" {
		t.Errorf("Mastercard ECI %q", m.ECI)
	}
	// Same token and binding, new cryptogram: a new value.
	c2, _ := s.Cryptogram(ctx, CryptogramRequest{Tenant: "acme", TokenID: visa.ID, Binding: bound})
	if c2.Value == c.Value || c2.Reference == c.Reference {
		t.Error("two cryptograms share a value or reference")
	}

	used, err := s.Redeem(ctx, "acme", c.Reference, bound)
	if err != nil || used.Value != c.Value || used.UsedAt == nil {
		t.Fatalf("first use: %+v %v", used, err)
	}
	_, err = s.Redeem(ctx, "acme", c.Reference, bound)
	wantErr(t, "second use", err, vault.CodeConflict, ErrCryptogramUsed)

	// Another amount or currency is refused, and spends the cryptogram.
	for name, use := range map[string]Binding{
		"amount":      {Amount: amount(1300), Currency: "EUR"},
		"currency":    {Amount: amount(1299), Currency: "USD"},
		"no amount":   {Currency: "EUR"},
		"no currency": {Amount: amount(1299)},
	} {
		c, _ := s.Cryptogram(ctx, CryptogramRequest{Tenant: "acme", TokenID: visa.ID, Binding: bound})
		_, err := s.Redeem(ctx, "acme", c.Reference, use)
		wantErr(t, name, err, vault.CodeConflict, ErrCryptogramBinding)
		_, err = s.Redeem(ctx, "acme", c.Reference, bound)
		wantErr(t, name+" then the right one", err, vault.CodeConflict, ErrCryptogramUsed)
	}
	// An unbound cryptogram takes any amount.
	free, _ := s.Cryptogram(ctx, CryptogramRequest{Tenant: "acme", TokenID: visa.ID})
	if _, err := s.Redeem(ctx, "acme", free.Reference, Binding{Amount: amount(5), Currency: "GBP"}); err != nil {
		t.Errorf("unbound: %v", err)
	}
	// Expired.
	old, _ := s.Cryptogram(ctx, CryptogramRequest{Tenant: "acme", TokenID: visa.ID})
	clk.Add(SandboxCryptogramTTL + time.Second)
	_, err = s.Redeem(ctx, "acme", old.Reference, Binding{})
	wantErr(t, "expired", err, vault.CodeExpired, ErrCryptogramExpired)
	// The token suspended after minting.
	late, _ := s.Cryptogram(ctx, CryptogramRequest{Tenant: "acme", TokenID: visa.ID})
	_, _ = s.Suspend(ctx, "acme", visa.ID)
	_, err = s.Redeem(ctx, "acme", late.Reference, Binding{})
	wantErr(t, "suspended token", err, vault.CodeConflict, ErrTokenState)
	_, err = s.Redeem(ctx, "acme", "no-such-reference", Binding{})
	wantErr(t, "unknown reference", err, vault.CodeNotFound, nil)

	for name, req := range map[string]CryptogramRequest{
		"negative amount": {Tenant: "acme", TokenID: mc.ID, Binding: Binding{Amount: amount(-1)}},
		"bad currency":    {Tenant: "acme", TokenID: mc.ID, Binding: Binding{Currency: "eur"}},
		"unknown token":   {Tenant: "acme", TokenID: "nope"},
	} {
		if _, err := s.Cryptogram(ctx, req); err == nil {
			t.Errorf("%s: minted", name)
		}
	}
}

// TestCryptogramUsedOnceUnderConcurrency: of many simultaneous uses of one
// cryptogram, exactly one succeeds.
func TestCryptogramUsedOnceUnderConcurrency(t *testing.T) {
	s, _ := newSandbox(t)
	tok := provision(t, s, "acme", "4111111111111111")
	c, _ := s.Cryptogram(t.Context(), CryptogramRequest{Tenant: "acme", TokenID: tok.ID})
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if _, err := s.Redeem(t.Context(), "acme", c.Reference, Binding{}); err == nil {
				ok.Add(1)
			} else if vault.CodeOf(err) == vault.CodeConflict {
				refused.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 || refused.Load() != 31 {
		t.Errorf("%d uses succeeded, %d refused", ok.Load(), refused.Load())
	}
}

// TestConcurrentTransitions: racing suspends leave one winner and a
// consistent version and event log.
func TestConcurrentTransitions(t *testing.T) {
	s, _ := newSandbox(t)
	tok := provision(t, s, "acme", "4111111111111111")
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := s.Suspend(t.Context(), "acme", tok.ID); err == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	got, _ := s.Status(t.Context(), "acme", tok.ID)
	evs, _ := s.Events(t.Context(), "acme", "", 10)
	if ok.Load() != 1 || got.Version != 2 || len(evs) != 2 {
		t.Errorf("%d suspends won, version %d, %d events", ok.Load(), got.Version, len(evs))
	}
}
