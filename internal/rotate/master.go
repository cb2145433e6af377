package rotate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// checkKey is the meta row of the master key check value (vault.Service.Init).
const checkKey = "master_key_check"

// Master re-wraps wrapped keys and the check value from the keyring's
// previous master key(s) to its current one.
type Master struct {
	Store   vault.Store
	Keyring *seal.Keyring
	// Holder names this runner in the lock (host and process id).
	Holder string
	// Gone, when set, lets a lease held by a dead runner be taken over at
	// once (see HolderGone).
	Gone HolderGone
	// Progress, when set, is called after each key with done and total.
	Progress func(done, total int)
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// maxPasses bounds the passes over the keys table.
const maxPasses = 5

// Result says what a master rotation did.
type Result struct {
	// Rewrapped counts keys moved in this run; Already those found under the current key.
	Rewrapped, Already int
	// CheckResealed is whether the check value was moved in this run.
	CheckResealed bool
}

// Run moves every wrapped key to the current master key, each in its own
// compare-and-swap write (so an interruption leaves every key under one of
// the two keys, and a re-run continues), repeats until a pass finds none
// left (keys made meanwhile by nodes still wrapping under the old key),
// and re-seals the check value last: from then on the vault starts with
// the new key alone and refuses the old one alone. Only one runner
// proceeds; another gets ErrBusy.
func (m *Master) Run(ctx context.Context) (Result, error) {
	now := m.Now
	if now == nil {
		now = time.Now
	}
	var res Result
	check, err := m.Store.GetMeta(ctx, checkKey)
	if err != nil {
		return res, fmt.Errorf("read master key check: %w", err)
	}
	if err := m.Keyring.VerifyCheck(check); err != nil {
		return res, fmt.Errorf("neither the current nor the previous master key is the one this store uses: %w", err)
	}
	l, err := acquire(ctx, m.Store, "master", m.Holder, now, m.Gone)
	if err != nil {
		return res, err
	}
	defer l.release(context.WithoutCancel(ctx))
	for pass := 0; ; pass++ {
		if pass == maxPasses {
			return res, fmt.Errorf("wrapped keys keep appearing under the old master key after %d passes: "+
				"restart every node with the new key (and the previous one) first, then rotate again", maxPasses)
		}
		todo, already, err := m.pending(ctx)
		if err != nil {
			return res, err
		}
		if pass == 0 {
			res.Already = already
		}
		if len(todo) == 0 {
			break
		}
		for i, k := range todo {
			if err := m.rewrap(ctx, k); err != nil {
				return res, err
			}
			res.Rewrapped++
			if err := l.progress(ctx, i+1, len(todo)); err != nil {
				return res, err
			}
			if m.Progress != nil {
				m.Progress(i+1, len(todo))
			}
		}
	}
	if err := m.rewrapSeed(ctx); err != nil {
		return res, err
	}
	if v, _ := m.Keyring.KeyVersion(check); v != m.Keyring.CurrentVersion() {
		fresh, err := m.Keyring.NewCheck()
		if err != nil {
			return res, err
		}
		if err := m.Store.ReplaceMeta(ctx, checkKey, check, fresh); err != nil {
			return res, fmt.Errorf("re-seal master key check: %w", err)
		}
		res.CheckResealed = true
	}
	l.finish()
	return res, nil
}

// rewrapSeed moves the integrity seed (vault.MetaIntegritySeed) to the
// current master key, before the check value.
func (m *Master) rewrapSeed(ctx context.Context) error {
	seed, err := m.Store.GetMeta(ctx, vault.MetaIntegritySeed)
	if errors.Is(err, vault.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if v, _ := m.Keyring.KeyVersion(seed); v == m.Keyring.CurrentVersion() {
		return nil
	}
	next, err := m.Keyring.RewrapIntegritySeed(seed)
	if err != nil {
		return fmt.Errorf("re-wrap the integrity seed: %w", err)
	}
	if err := m.Store.ReplaceMeta(ctx, vault.MetaIntegritySeed, seed, next); err != nil && !errors.Is(err, vault.ErrConflict) {
		return fmt.Errorf("re-wrap the integrity seed: %w", err)
	}
	return nil
}

// pending lists the wrapped keys not under the current master key.
func (m *Master) pending(ctx context.Context) (todo []vault.WrappedKey, already int, err error) {
	err = vault.EachTenant(ctx, m.Store, func(t vault.Tenant) error {
		for _, purpose := range []string{vault.PurposeData, vault.PurposeIndex} {
			keys, err := m.Store.ListKeys(ctx, t.ID, purpose)
			if err != nil {
				return err
			}
			for _, k := range keys {
				if v, err := m.Keyring.KeyVersion(k.Wrapped); err == nil && v == m.Keyring.CurrentVersion() {
					already++
					continue
				}
				todo = append(todo, k)
			}
		}
		return nil
	})
	return todo, already, err
}

// rewrap moves one key; a key another runner moved first is left alone.
func (m *Master) rewrap(ctx context.Context, k vault.WrappedKey) error {
	var (
		next []byte
		err  error
	)
	switch k.Purpose {
	case vault.PurposeData:
		next, err = m.Keyring.RewrapDataKey(k.Tenant, k.Version, k.Wrapped)
	case vault.PurposeIndex:
		next, err = m.Keyring.RewrapIndexKey(k.Tenant, k.Wrapped)
	default:
		return fmt.Errorf("key %s/%s/v%d: unknown purpose", k.Tenant, k.Purpose, k.Version)
	}
	if errors.Is(err, seal.ErrOpen) {
		return fmt.Errorf("%s key v%d of tenant %q opens under neither master key: is CARDVAULT_MASTER_KEY_PREVIOUS the key it was wrapped with? %w",
			k.Purpose, k.Version, k.Tenant, err)
	}
	if err != nil {
		return err
	}
	old := k.Wrapped
	k.Wrapped = next
	if err := m.Store.ReplaceKey(ctx, k, old); err != nil && !errors.Is(err, vault.ErrConflict) {
		return fmt.Errorf("replace %s key v%d of tenant %q: %w", k.Purpose, k.Version, k.Tenant, err)
	}
	return nil
}
