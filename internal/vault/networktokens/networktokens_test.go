package networktokens_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func newService(t *testing.T) (*networktokens.Service, *vaulttest.Core) {
	t.Helper()
	c := vaulttest.NewCore(t, vault.Options{})
	return networktokens.New(c.Vault, func(st tsp.Storage) tsp.Provider { return tsp.NewSandbox(st, c.Vault.Now) }), c
}

func storeCard(t *testing.T, c *vaulttest.Core, tenant, pan string) string {
	t.Helper()
	exp, _ := card.NewExpiry(12, 2034)
	cv, err := c.Vault.CreateCard(t.Context(), tenant, vault.CardInput{PAN: vaulttest.MustPAN(t, pan), Expiry: exp})
	if err != nil {
		t.Fatal(err)
	}
	return cv.ID
}

func amount(n int64) *int64 { return &n }

func TestLifecycleSealedAndReported(t *testing.T) {
	s, c := newService(t)
	ctx := t.Context()
	var mu sync.Mutex
	var notices []vault.Notice
	c.Vault.OnNotice(func(_ context.Context, n vault.Notice) error {
		mu.Lock()
		defer mu.Unlock()
		notices = append(notices, n)
		return nil
	})
	var hooked []tsp.EventType
	s.OnEvent(func(_ context.Context, tx *vault.Service, e tsp.Event, tok tsp.Token) error {
		if tx == nil || e.TokenID != tok.ID || e.CardID != tok.CardID || e.ID == "" {
			t.Errorf("hook got %+v for %s", e, tok.ID)
		}
		hooked = append(hooked, e.Type)
		return nil
	})
	cardID := storeCard(t, c, vault.DefaultTenant, "4111111111111111")
	tok, err := s.Provision(ctx, vault.DefaultTenant, cardID, networktokens.ProvisionOptions{Metadata: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Sandbox || tok.State != tsp.StateActive || tok.DPAN.Digits() == "4111111111111111" || tok.Metadata["k"] != "v" {
		t.Fatalf("token %+v", tok)
	}
	got, err := s.Get(ctx, vault.DefaultTenant, tok.ID)
	if err != nil || got.DPAN.Digits() != tok.DPAN.Digits() || got.Expiry != tok.Expiry || got.CardID != cardID || got.Version != 1 {
		t.Fatalf("get %+v %v", got, err)
	}
	// The store holds no DPAN in the clear.
	recs, _ := c.Store.ListRecords(ctx, vault.RecordQuery{Tenant: vault.DefaultTenant, Kind: vault.KindNetworkToken}, c.Vault.Now())
	if len(recs) != 1 || recs[0].Parent != cardID || bytes.Contains(recs[0].Data, []byte(tok.DPAN.Digits())) {
		t.Fatalf("stored %d records, or the DPAN is in the clear", len(recs))
	}
	// Another tenant sees nothing.
	if _, err := s.Get(ctx, "other", tok.ID); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("other tenant: %v", err)
	}
	if l, _ := s.List(ctx, vault.DefaultTenant, cardID, vault.Page{Limit: 10}); len(l) != 1 {
		t.Errorf("list by card: %d", len(l))
	}
	if _, err := s.Suspend(ctx, vault.DefaultTenant, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cryptogram(ctx, vault.DefaultTenant, tok.ID, tsp.Binding{}); !errors.Is(err, tsp.ErrTokenState) || vault.CodeOf(err) != vault.CodeConflict {
		t.Errorf("cryptogram of a suspended token: %v", err)
	}
	if _, err := s.Resume(ctx, vault.DefaultTenant, tok.ID); err != nil {
		t.Fatal(err)
	}
	cg, err := s.Cryptogram(ctx, vault.DefaultTenant, tok.ID, tsp.Binding{Amount: amount(100), Currency: "EUR"})
	if err != nil || !cg.Sandbox {
		t.Fatal(cg, err)
	}
	if _, err := s.Redeem(ctx, vault.DefaultTenant, "0190c4b6-0000-7000-8000-000000000000", cg.Reference, nil); vault.CodeOf(err) != vault.CodeNotFound {
		t.Errorf("another token's reference: %v", err)
	}
	red, err := s.Redeem(ctx, vault.DefaultTenant, tok.ID, cg.Reference, &tsp.Binding{Amount: amount(100), Currency: "EUR"})
	if err != nil || red.Cryptogram.Value != cg.Value || red.Token.DPAN.Digits() != tok.DPAN.Digits() || len(red.Cryptogram.DynamicCVV) != 3 {
		t.Fatalf("redeem %v", err)
	}
	if _, err := s.Redeem(ctx, vault.DefaultTenant, "", cg.Reference, nil); !errors.Is(err, tsp.ErrCryptogramUsed) {
		t.Errorf("second use: %v", err)
	}
	late, _ := s.Cryptogram(ctx, vault.DefaultTenant, tok.ID, tsp.Binding{})
	c.Clock.Advance(tsp.SandboxCryptogramTTL + time.Second)
	if _, err := s.Redeem(ctx, vault.DefaultTenant, "", late.Reference, nil); vault.CodeOf(err) != vault.CodeExpired {
		t.Errorf("expired: %v", err)
	}
	if err := s.DeleteCard(ctx, vault.DefaultTenant, cardID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, vault.DefaultTenant, tok.ID); got.State != tsp.StateDeleted {
		t.Errorf("after DeleteCard: %s", got.State)
	}
	if _, err := s.Resume(ctx, vault.DefaultTenant, tok.ID); vault.CodeOf(err) != vault.CodeConflict {
		t.Errorf("resume deleted: %v", err)
	}
	want := []tsp.EventType{tsp.EventProvisioned, tsp.EventSuspended, tsp.EventResumed, tsp.EventDeleted}
	evs, _ := s.Events(ctx, vault.DefaultTenant, "", 10)
	if len(evs) != len(want) || len(hooked) != len(want) {
		t.Fatalf("events %v, hooked %v", evs, hooked)
	}
	for i, w := range want {
		if evs[i].Type != w || hooked[i] != w {
			t.Errorf("event %d: %s / %s, want %s", i, evs[i].Type, hooked[i], w)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var actions []string
	for _, n := range notices {
		if n.Target == tok.ID {
			actions = append(actions, n.Action)
		}
	}
	if len(actions) != 4 || actions[0] != vault.ActionNetworkTokenProvisioned || actions[3] != vault.ActionNetworkTokenDeleted {
		t.Errorf("notices %v", actions)
	}
}

func TestHookFailureUndoesTheChange(t *testing.T) {
	s, c := newService(t)
	cardID := storeCard(t, c, vault.DefaultTenant, "5555555555554444")
	tok, err := s.Provision(t.Context(), vault.DefaultTenant, cardID, networktokens.ProvisionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.OnEvent(func(context.Context, *vault.Service, tsp.Event, tsp.Token) error { return errors.New("outbox down") })
	if _, err := s.Suspend(t.Context(), vault.DefaultTenant, tok.ID); err == nil {
		t.Fatal("suspended although the hook failed")
	}
	if got, _ := s.Get(t.Context(), vault.DefaultTenant, tok.ID); got.State != tsp.StateActive || got.Version != 1 {
		t.Errorf("half-written: %s v%d", got.State, got.Version)
	}
	if evs, _ := s.Events(t.Context(), vault.DefaultTenant, "", 10); len(evs) != 1 {
		t.Errorf("%d events", len(evs))
	}
}

func TestRefusals(t *testing.T) {
	s, c := newService(t)
	ctx := t.Context()
	jcb := storeCard(t, c, vault.DefaultTenant, "3530111333300000")
	if _, err := s.Provision(ctx, vault.DefaultTenant, jcb, networktokens.ProvisionOptions{}); !errors.Is(err, tsp.ErrSchemeNotSupported) || vault.CodeOf(err) != vault.CodeInvalid {
		t.Errorf("jcb: %v", err)
	}
	for name, err := range map[string]error{
		"unknown card": func() error {
			_, err := s.Provision(ctx, vault.DefaultTenant, "0190c4b6-0000-7000-8000-000000000000", networktokens.ProvisionOptions{})
			return err
		}(),
		"bad id":        func() error { _, err := s.Get(ctx, vault.DefaultTenant, "x"); return err }(),
		"bad reference": func() error { _, err := s.Redeem(ctx, vault.DefaultTenant, "", "../x", nil); return err }(),
		"unknown token": func() error {
			_, err := s.Suspend(ctx, vault.DefaultTenant, "0190c4b6-0000-7000-8000-000000000000")
			return err
		}(),
	} {
		if vault.CodeOf(err) != vault.CodeNotFound {
			t.Errorf("%s: %v", name, err)
		}
	}
}
