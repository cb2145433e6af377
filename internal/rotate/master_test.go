package rotate_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/rotate"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// fixture is a store made under master key old, with two tenants and a card.
type fixture struct {
	store    vault.Store
	old, new seal.KEK
	cardID   string
}

func newFixture(t *testing.T, open func(t *testing.T) vault.Store) fixture {
	t.Helper()
	ctx := t.Context()
	f := fixture{store: open(t)}
	f.old, _ = seal.NewLocalKEK(seal.GenerateKey())
	f.new, _ = seal.NewLocalKEK(seal.GenerateKey())
	svc := f.service(t, f.old)
	if err := svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateTenant(ctx, "shop-b", "Shop B"); err != nil {
		t.Fatal(err)
	}
	pan, _ := card.ParsePAN("4111111111111111")
	exp, _ := card.NewExpiry(12, 2040)
	c, err := svc.CreateCard(ctx, "shop-b", vault.CardInput{PAN: pan, Expiry: exp, Holder: "A Holder"})
	if err != nil {
		t.Fatal(err)
	}
	f.cardID = c.ID
	return f
}

func (f fixture) service(t *testing.T, current seal.KEK, previous ...seal.KEK) *vault.Service {
	t.Helper()
	kr, err := seal.NewKeyringOf(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return vault.New(f.store, kr, vault.Options{})
}

func (f fixture) master(t *testing.T) *rotate.Master {
	kr, _ := seal.NewKeyringOf(f.new, f.old)
	return &rotate.Master{Store: f.store, Keyring: kr, Holder: "test"}
}

// wantReadable fails unless a vault with these keys starts and reveals the card.
func (f fixture) wantReadable(t *testing.T, what string, current seal.KEK, previous ...seal.KEK) {
	t.Helper()
	svc := f.service(t, current, previous...)
	if err := svc.Init(t.Context()); err != nil {
		t.Fatalf("%s: Init: %v", what, err)
	}
	rc, err := svc.RevealCard(t.Context(), "shop-b", f.cardID)
	if err != nil || rc.PAN.Digits() != "4111111111111111" {
		t.Fatalf("%s: reveal: %v", what, err)
	}
}

func TestRotateMaster(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newFixture(t, open)
		res, err := f.master(t).Run(t.Context())
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if res.Rewrapped != 4 || !res.CheckResealed { // two tenants × (data, index)
			t.Fatalf("Run = %+v, want 4 keys re-wrapped and the check re-sealed", res)
		}
		f.wantReadable(t, "new key alone", f.new)
		err = f.service(t, f.old).Init(t.Context())
		if !errors.Is(err, seal.ErrWrongMasterKey) {
			t.Fatalf("old key alone after rotation: Init = %v, want ErrWrongMasterKey", err)
		}
		again, err := f.master(t).Run(t.Context())
		if err != nil || again.Rewrapped != 0 || again.CheckResealed || again.Already != 4 {
			t.Fatalf("second run = %+v, %v; want nothing to do", again, err)
		}
	})
}

func TestRotateMasterInterruptedAndResumed(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newFixture(t, open)
		ctx, cancel := context.WithCancel(t.Context())
		m := f.master(t)
		m.Progress = func(done, total int) {
			if done == 1 {
				cancel() // as if SIGINT or power loss after the first key
			}
		}
		if _, err := m.Run(ctx); err == nil {
			t.Fatal("interrupted run reported success")
		}
		// Half way: the old key still starts the vault (the check is re-sealed
		// last), and old+new reads everything.
		f.wantReadable(t, "old and new during the rotation", f.new, f.old)
		if err := f.service(t, f.new).Init(t.Context()); !errors.Is(err, seal.ErrWrongMasterKey) {
			t.Fatalf("new key alone before the rotation finished: %v", err)
		}
		res, err := f.master(t).Run(t.Context())
		if err != nil || res.Rewrapped != 3 || !res.CheckResealed {
			t.Fatalf("resumed run = %+v, %v; want the 3 remaining keys and the check", res, err)
		}
		f.wantReadable(t, "new key alone after resuming", f.new)
	})
}

func TestRotateMasterAfterAKilledRunner(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newFixture(t, open)
		// A runner killed with SIGKILL leaves its lease behind.
		dead := []byte(`{"kind":"master","holder":"node-a pid 7","until":"` + time.Now().Add(rotate.Lease).UTC().Format(time.RFC3339Nano) + `"}`)
		if err := f.store.InsertMeta(t.Context(), "rotation_lock", dead); err != nil {
			t.Fatal(err)
		}
		_, err := f.master(t).Run(t.Context())
		if !errors.Is(err, rotate.ErrBusy) || !strings.Contains(err.Error(), "node-a pid 7") {
			t.Fatalf("run during a live lease: %v, want ErrBusy naming the holder", err)
		}
		m := f.master(t)
		m.Now = func() time.Time { return time.Now().Add(rotate.Lease + time.Second) }
		if res, err := m.Run(t.Context()); err != nil || res.Rewrapped != 4 {
			t.Fatalf("run after the lease expired = %+v, %v", res, err)
		}
		f.wantReadable(t, "new key alone", f.new)
	})
}

func TestRotateMasterWrongPreviousKey(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newFixture(t, open)
		stranger, _ := seal.NewLocalKEK(seal.GenerateKey())
		kr, _ := seal.NewKeyringOf(f.new, stranger)
		_, err := (&rotate.Master{Store: f.store, Keyring: kr, Holder: "test"}).Run(t.Context())
		if err == nil || !errors.Is(err, seal.ErrWrongMasterKey) {
			t.Fatalf("wrong previous key: %v, want a refusal naming the master key", err)
		}
		f.wantReadable(t, "after the refused rotation", f.old)
	})
}

func TestOneRunnerWins(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) vault.Store) {
		f := newFixture(t, open)
		kr, _ := seal.NewKeyringOf(f.new, f.old)
		hold := make(chan struct{})
		started := make(chan struct{})
		first := &rotate.Master{Store: f.store, Keyring: kr, Holder: "node-a", Progress: func(done, total int) {
			if done == 1 {
				close(started)
				<-hold
			}
		}}
		errc := make(chan error, 1)
		go func() { _, err := first.Run(t.Context()); errc <- err }()
		<-started
		_, err := (&rotate.Master{Store: f.store, Keyring: kr, Holder: "node-b"}).Run(t.Context())
		if !errors.Is(err, rotate.ErrBusy) {
			t.Fatalf("second runner: %v, want ErrBusy", err)
		}
		st, _ := rotate.Current(t.Context(), f.store)
		if st.Holder != "node-a" || st.Kind != "master" || st.Total != 4 {
			t.Fatalf("lock status = %+v", st)
		}
		close(hold)
		if err := <-errc; err != nil {
			t.Fatalf("first runner: %v", err)
		}
		f.wantReadable(t, "after the winner finished", f.new)
	})
}
